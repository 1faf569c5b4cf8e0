/**
 * The network list file, kept current while the account server runs: operators (or a
 * scheduled job) refresh it as providers publish new ranges, and a restart must not be
 * needed for that. The file is checked for changes every `intervalMs` (stat polling, which
 * also sees a file replaced by rename, as configuration mounts do); a changed file is read
 * and parsed, and only a good parse replaces the list in use. A bad file — or an empty one
 * where a list was — keeps the previous list and says why in the log, once per change.
 * Write the file elsewhere and rename it into place, so a check never reads half of it.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { type NetworkList, NetworkListError, parseNetworkList } from './network-list.ts';

export interface NetworkListSource {
  current(): NetworkList;
  /** Stops watching the file. */
  close(): void;
}

/** Reads and parses the file now; a missing or bad file is an error the caller reports. */
export function readNetworkListFile(file: string): NetworkList {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NetworkListError(`cannot read the network list: ${(error as Error).message}`);
  }
  return parseNetworkList(text, file);
}

export function watchNetworkListFile(
  file: string,
  initial: NetworkList,
  logger: Logger,
  intervalMs = 30_000,
): NetworkListSource {
  let list = initial;
  let reading = Promise.resolve();
  const reload = async () => {
    try {
      const next = parseNetworkList(await readFile(file, 'utf8'), file);
      if (next.networks.length === 0 && list.networks.length > 0) {
        // A download that failed and left an empty file must not quietly lift the deny
        // rule; an operator who wants no list removes the rule or the setting instead.
        throw new Error(`${file} is now empty (it listed ${list.networks.length} networks)`);
      }
      list = next;
      logger.info(
        { event: 'firewall.network_list_reloaded', file, networks: next.networks.length },
        `network list reloaded: ${next.networks.length} networks from ${file}`,
      );
    } catch (error) {
      logger.error(
        { event: 'firewall.network_list_rejected', file, problem: (error as Error).message },
        `network list not reloaded, the previous one stays in use: ${(error as Error).message}`,
      );
    }
  };
  const onChange = (now: { mtimeMs: number; size: number }, before: { mtimeMs: number; size: number }) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
    // One read at a time, in order: the last change wins.
    reading = reading.then(reload);
  };
  watchFile(file, { interval: intervalMs, persistent: false }, onChange);
  return {
    current: () => list,
    close: () => unwatchFile(file, onChange),
  };
}
