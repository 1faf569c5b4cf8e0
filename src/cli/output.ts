/**
 * The reader of our output may go away first (`scimbridge mail list | head`). Writing to a
 * closed pipe then fails with EPIPE; a command line tool ends quietly there, as `ls | head`
 * does, instead of printing a stack trace about its own stdout.
 */
export function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
}

/** What a command's `--json` prints: the value, indented, on its own lines. */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
