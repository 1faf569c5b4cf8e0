/**
 * The bulk seed of large sizes: at 1,000,000 users, W1's creates through SCIM would take most
 * of an hour on a 2-core machine before anything else is measured. The server under test
 * (bench/server.ts) creates the users itself with the use case a SCIM create runs
 * (`createMember`, from the same Entra body mapped by the bridge's own functions), so the
 * rows are the ones a SCIM create makes: the member, its Team Members membership, the
 * invitation, the queued invitation e-mail and the activity row. Only HTTP is left out, and
 * thousands of creates share one transaction.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { createMember } from '../src/account/create-member.ts';
import type { AccountDeps } from '../src/account/deps.ts';
import type { Store } from '../src/account/store.ts';
import { toMemberInput, withUserNameAsEmail } from '../src/bridge/scim/user-mapping.ts';
import { USER_RESOURCE_TYPE } from '../src/scim/schemas/resource-types.ts';
import { normalizeResource } from '../src/scim/validate.ts';
import { entraCreateUser } from './scim-bodies.ts';

/** Creates per transaction: large enough that commits do not matter, small enough to keep memory flat. */
export const SEED_BATCH = 2000;

/** Creates users 0 … `users` − 1 and writes their ids to `idsFile`, one per line, in that order. */
export async function seedUsers(
  deps: AccountDeps,
  options: { users: number; idsFile: string; log: (line: string) => void },
): Promise<void> {
  await writeFile(options.idsFile, '');
  const started = performance.now();
  for (let start = 0; start < options.users; start += SEED_BATCH) {
    const end = Math.min(options.users, start + SEED_BATCH);
    const ids = await deps.store.transaction(async (tx) => {
      // createMember opens its own transaction: here it is this one.
      const store: Store = { ...deps.store, ...tx, transaction: (work) => work(tx) };
      const inBatch = { ...deps, store };
      const made: string[] = [];
      for (let index = start; index < end; index++) {
        const body: unknown = JSON.parse(entraCreateUser(index));
        const input = toMemberInput(normalizeResource(withUserNameAsEmail(body), USER_RESOURCE_TYPE));
        made.push((await createMember(inBatch, input)).id);
      }
      return made;
    });
    await appendFile(options.idsFile, `${ids.join('\n')}\n`);
    if (end % 100_000 === 0 || end === options.users) {
      const seconds = (performance.now() - started) / 1000;
      options.log(`  seeded ${end.toLocaleString('en')} users in ${seconds.toFixed(0)} s`);
    }
  }
}
