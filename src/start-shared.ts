/** What the account service and the bridge service both need at start. */
import { readFileSync } from 'node:fs';
import { type Config, ConfigError } from './config.ts';

export { VERSION } from './version.ts';

/** The certificate and key for HTTPS, read once at start; undefined for plain HTTP. */
export function readTls(config: Config): { cert: Buffer; key: Buffer } | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  try {
    return { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) };
  } catch (error) {
    throw new ConfigError(`cannot read the TLS certificate or key: ${(error as Error).message}`);
  }
}
