/** A problem the user can fix ends a command as one `scimbridge:` line on stderr and exit code 1. */
export function fail(message: string): never {
  process.stderr.write(`scimbridge: ${message}\n`);
  process.exit(1);
}
