/**
 * `scimbridge group list|create|rename|delete|managed|give-key-to-bridge`: the console's groups
 * page for scripts (issue 11). Built-in groups are shown and protected (P19); managed groups are
 * the IdP's (P17), and a change made here to one of them may be undone by the IdP's next push.
 */
import type { Command } from 'commander';
import { createCustomGroup } from '../../account/create-custom-group.ts';
import {
  type BridgeKeyHandover,
  giveGroupKeyToBridge,
  prepareGroupKeyForBridge,
} from '../../account/give-group-key-to-bridge.ts';
import { listAllGroups } from '../../account/list-all-groups.ts';
import type { Group } from '../../account/model.ts';
import { removeGroup } from '../../account/remove-group.ts';
import { renameGroup } from '../../account/rename-group.ts';
import { setGroupManaged } from '../../account/set-group-managed.ts';
import type { Bytes } from '../../crypto/encoding.ts';
import { openGroupPrivateKey, PROVISIONING_RECIPIENT, sealGroupPrivateKey } from '../../crypto/key-chain.ts';
import { MemberKeyUnlockError, unlockMemberPrivateKey } from '../../crypto/member-keys.ts';
import { commandLineActor } from '../actor.ts';
import { withStorageFlags } from '../options.ts';
import { writeJson } from '../output.ts';
import { clean, table } from '../terminal.ts';
import { PeopleCommandError, run } from './people.ts';
import { readPasswordFile, VaultCommandError } from './vaults.ts';

const KIND_LABELS: Record<Group['kind'], string> = {
  owners: 'built-in',
  administrators: 'built-in',
  team_members: 'built-in',
  provision_managers: 'built-in, provisioning',
  custom: 'custom',
};

/** Opens the administrator's share with their password and seals the group key for the provisioning key. */
async function sealForBridge(handover: BridgeKeyHandover, email: string, password: string): Promise<string> {
  const { administrator, group } = handover;
  let adminKey: CryptoKey;
  try {
    adminKey = await unlockMemberPrivateKey(administrator, password);
  } catch (error) {
    if (error instanceof MemberKeyUnlockError)
      throw new PeopleCommandError(`the password is wrong for ${email}`);
    throw error;
  }
  let groupKey: Bytes;
  try {
    groupKey = await openGroupPrivateKey(group.id, handover.sealedShare, adminKey, {
      id: administrator.memberId,
      publicKey: administrator.publicKey,
    });
  } catch {
    throw new PeopleCommandError(
      `the share of ${clean(group.displayName)} that ${email} holds does not open`,
    );
  }
  try {
    return await sealGroupPrivateKey(group.id, groupKey, {
      id: PROVISIONING_RECIPIENT,
      publicKey: handover.provisioningPublicKey,
    });
  } finally {
    groupKey.fill(0);
  }
}

const IDP_NOTE = 'It is managed by the IdP, whose next push of it may change it again.';

export function registerGroupCommands(program: Command): void {
  const group = program
    .command('group')
    .description('built-in and custom groups, and which ones the IdP manages');

  withStorageFlags(
    group
      .command('list')
      .description('every group with its member count')
      .option('--managed', 'only groups the IdP manages (the managed-groups list)')
      .option('--json', 'print the groups as JSON'),
  ).action((options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      const groups = await listAllGroups(deps, options.managed === true ? { managed: true } : {});
      if (options.json === true) {
        writeJson(groups.map(({ group: g, memberCount }) => ({ ...g, memberCount })));
        return;
      }
      if (groups.length === 0) {
        process.stdout.write('No managed groups.\n');
        return;
      }
      process.stdout.write(
        table([
          ['NAME', 'KIND', 'MANAGED', 'MEMBERS', 'ID'],
          ...groups.map(({ group: g, memberCount }) => [
            clean(g.displayName),
            KIND_LABELS[g.kind],
            g.managed ? 'IdP' : '-',
            String(memberCount),
            g.id,
          ]),
        ]),
      );
    }),
  );

  withStorageFlags(
    group
      .command('create')
      .description('create a custom group')
      .argument('<name>', "the group's name")
      .option(
        '--managed',
        'put it on the managed-groups list, for the IdP to take over a group of that name',
      ),
  ).action((name: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      const created = await createCustomGroup(deps, commandLineActor(), {
        displayName: name,
        managed: options.managed === true,
      });
      process.stdout.write(
        `Group "${clean(created.displayName)}" created (${created.id})${created.managed ? ', managed by the IdP' : ''}.\n`,
      );
    }),
  );

  withStorageFlags(
    group
      .command('rename')
      .description('rename a custom group')
      .argument('<group>', 'group id or current name')
      .argument('<name>', 'the new name'),
  ).action((ref: string, name: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      const { group: renamed, changed } = await renameGroup(deps, commandLineActor(), ref, name);
      const said = changed
        ? `Group ${renamed.id} is now "${clean(renamed.displayName)}".`
        : `Group ${renamed.id} already is "${clean(renamed.displayName)}"; nothing changed.`;
      process.stdout.write(`${said}${changed && renamed.managed ? ` ${IDP_NOTE}` : ''}\n`);
    }),
  );

  withStorageFlags(
    group
      .command('delete')
      .description('delete a custom group: its memberships and vault grants go, its members stay')
      .argument('<group>', 'group id or name')
      .option('--yes', 'really delete: this cannot be undone'),
  ).action((ref: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      if (options.yes !== true) {
        throw new PeopleCommandError(
          `deleting a group cannot be undone; run again with --yes to delete ${clean(ref.slice(0, 400))}`,
        );
      }
      const removed = await removeGroup(deps, commandLineActor(), ref);
      process.stdout.write(
        `Group "${clean(removed.displayName)}" is deleted; its members stay.${removed.managed ? ` ${IDP_NOTE}` : ''}\n`,
      );
    }),
  );

  withStorageFlags(
    group
      .command('managed')
      .description('put a custom group on the managed-groups list (on) or take it off (off) (P17)')
      .argument('<group>', 'group id or name')
      .argument('<on|off>', 'on: the IdP may take it over and change it; off: the IdP no longer sees it'),
  ).action((ref: string, value: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      if (value !== 'on' && value !== 'off') {
        throw new PeopleCommandError(`say on or off, not "${clean(value.slice(0, 20))}"`);
      }
      const { group: g, changed } = await setGroupManaged(deps, commandLineActor(), ref, value === 'on');
      const state = g.managed ? 'is managed by the IdP' : 'is not managed by the IdP';
      process.stdout.write(
        `Group "${clean(g.displayName)}" ${state}${changed ? '' : ' already; nothing changed'}.\n`,
      );
    }),
  );

  withStorageFlags(
    group
      .command('give-key-to-bridge')
      .description(
        "seal a managed group's key for the bridge again (after it was taken off the managed list and put back); an administrator who holds the key signs in",
      )
      .argument('<group>', 'group id or name')
      .requiredOption('--email <address>', 'an administrator who holds the group key')
      .requiredOption('--password-file <file>', "that administrator's password"),
  ).action((ref: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      const email = String(options.email);
      const password = await readPasswordFile(String(options.passwordFile)).catch((error: unknown) => {
        throw error instanceof VaultCommandError ? new PeopleCommandError(error.message) : error;
      });
      const handover = await prepareGroupKeyForBridge(deps, { group: ref, administrator: email });
      const given = await giveGroupKeyToBridge(deps, commandLineActor(), {
        groupId: handover.group.id,
        groupPublicKey: handover.groupPublicKey,
        provisioningPublicKey: handover.provisioningPublicKey,
        sealedForProvisioning: await sealForBridge(handover, clean(email), password),
      });
      process.stdout.write(
        `The bridge holds the key of "${clean(given.displayName)}" again: it shares it with new members from its next run.\n`,
      );
    }),
  );
}
