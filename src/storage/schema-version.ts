// Migrations only go forward: a release that does not know a newer schema stops before touching it.
import { VERSION } from '../version.ts';

export class SchemaTooNewError extends Error {
  readonly databaseVersion: number;
  readonly knownVersion: number;
  constructor(databaseVersion: number, knownVersion: number) {
    super(
      `the database is at schema version ${databaseVersion}, newer than this scimbridge ${VERSION} knows (${knownVersion}): run the release that upgraded it or a newer one, or restore a backup made before the upgrade`,
    );
    this.name = 'SchemaTooNewError';
    this.databaseVersion = databaseVersion;
    this.knownVersion = knownVersion;
  }
}

/** Throws when `applied` (the versions a database recorded) holds one beyond `knownVersion`. */
export function refuseNewerSchema(applied: Iterable<number>, knownVersion: number): void {
  let highest = 0;
  for (const version of applied) highest = Math.max(highest, version);
  if (highest > knownVersion) throw new SchemaTooNewError(highest, knownVersion);
}
