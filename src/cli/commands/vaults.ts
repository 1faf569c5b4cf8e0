/**
 * `scimbridge vault create|grant|permission|list` (administrators, where the account's database is) and
 * `scimbridge member vaults` (the proof of the key chain: with a member's password, list
 * exactly the vaults they can open, by really opening every key on the way).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { changeVaultPermission } from '../../account/change-vault-permission.ts';
import { AccountError } from '../../account/errors.ts';
import { findGroup } from '../../account/group-rules.ts';
import { VAULT_PERMISSIONS } from '../../account/model.ts';
import type { Store } from '../../account/store.ts';
import {
  createVault,
  findVault,
  grantVault,
  listVaultsWithGroups,
  readMemberKeyRing,
} from '../../account/vaults.ts';
import { randomIds, systemClock } from '../../clock.ts';
import { loadConfig } from '../../config.ts';
import { MemberKeyFormatError, MemberKeyUnlockError } from '../../crypto/member-keys.ts';
import { type OpenedVault, openVaults } from '../../crypto/open-vaults.ts';
import { commandLineActor } from '../actor.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { withConfiguredStore } from '../store-command.ts';

export class VaultCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultCommandError';
  }
}

/** The password is the file's content without its final line break. */
export async function readPasswordFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new VaultCommandError(
      `cannot read the password file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new VaultCommandError(`the password file ${path} is empty`);
  return password;
}

/** Opens the vaults of the member with this e-mail address; every failure is a VaultCommandError. */
export async function memberVaults(store: Store, email: string, password: string): Promise<OpenedVault[]> {
  const member = await store.findMemberByEmail(email);
  if (member === undefined) throw new VaultCommandError(`no member with the e-mail address ${email}`);
  const ring = await readMemberKeyRing(store, member.id);
  if (ring === undefined) {
    throw new VaultCommandError(
      `${email} has not signed up yet (state ${member.state}): there is no key to open`,
    );
  }
  try {
    return await openVaults(ring, password);
  } catch (error) {
    if (error instanceof MemberKeyUnlockError)
      throw new VaultCommandError(`the password is wrong for ${email}`);
    if (error instanceof MemberKeyFormatError)
      throw new VaultCommandError(`the stored key of ${email} is damaged`);
    throw error;
  }
}

export function registerVaultCommands(program: Command): void {
  const vault = program.command('vault').description('vaults and which groups may open them');

  withStorageFlags(
    vault
      .command('create')
      .description('create a vault whose key is sealed for each group given (they can open it)')
      .requiredOption('--name <name>', 'the vault name')
      .requiredOption('--group <group...>', 'group name or id that may open it (repeat for more)'),
  ).action((options: Record<string, unknown>) =>
    withStore(options, async (store) => {
      const result = await createVault(
        { store, clock: systemClock, ids: randomIds },
        { name: String(options.name), groups: options.group as string[] },
      );
      process.stdout.write(
        `Vault "${result.vault.name}" (${result.vault.id}) opens for: ${result.groups.join(', ')}\n`,
      );
    }),
  );

  withStorageFlags(
    vault
      .command('grant')
      .description(
        "let another group open a vault; needs the vault's key, so a member who can open it signs in",
      )
      .requiredOption('--vault <vault>', 'vault name or id')
      .requiredOption('--group <group>', 'group name or id')
      .requiredOption('--email <address>', 'a member who can open the vault')
      .requiredOption('--password-file <file>', "that member's password")
      .option(
        '--permission <level>',
        `${VAULT_PERMISSIONS.join(', ')}: what the group may do (a new grant: view; a group granted already keeps its own)`,
      ),
  ).action((options: Record<string, unknown>) =>
    withStore(options, async (store) => {
      const password = await readPasswordFile(String(options.passwordFile));
      const target = await findVault(store, String(options.vault));
      const opened = (await memberVaults(store, String(options.email), password)).find(
        (candidate) => candidate.vaultId === target.id,
      );
      if (!opened)
        throw new VaultCommandError(`${String(options.email)} cannot open the vault "${target.name}"`);
      try {
        const granted = await grantVault({ store, clock: systemClock, ids: randomIds }, commandLineActor(), {
          vault: target,
          group: String(options.group),
          vaultKey: opened.key,
          ...(options.permission === undefined ? {} : { permission: options.permission }),
        });
        process.stdout.write(
          `Vault "${target.name}" now opens for ${granted.group} too (permission ${granted.permission})\n`,
        );
      } finally {
        opened.key.fill(0);
      }
    }),
  );

  withStorageFlags(
    vault
      .command('permission')
      .description(
        `set what a group may do with a vault it opens (${VAULT_PERMISSIONS.join(' < ')}); a vault keeps at least one group with manage`,
      )
      .argument('<vault>', 'vault name or id')
      .argument('<group>', 'group name or id')
      .argument('<level>', VAULT_PERMISSIONS.join(', ')),
  ).action((vaultRef: string, groupRef: string, level: string, options: Record<string, unknown>) =>
    withStore(options, async (store) => {
      const target = await findVault(store, vaultRef);
      const group = await findGroup(store, groupRef);
      if (group === undefined) throw new VaultCommandError(`no group named or with id "${groupRef}"`);
      const change = await changeVaultPermission(
        { store, clock: systemClock, ids: randomIds },
        commandLineActor(),
        { vaultId: target.id, groupId: group.id, permission: level },
      );
      process.stdout.write(
        change.from === change.to
          ? `${change.group.displayName} has ${change.to} on "${change.vault.name}" already: nothing changed\n`
          : `${change.group.displayName} on "${change.vault.name}": ${change.from} → ${change.to}\n`,
      );
    }),
  );

  withStorageFlags(vault.command('list').description('every vault and the groups that may open it')).action(
    (options: Record<string, unknown>) =>
      withStore(options, async (store) => {
        const vaults = await listVaultsWithGroups(store);
        if (vaults.length === 0)
          process.stdout.write('No vaults yet: scimbridge vault create --name … --group …\n');
        for (const entry of vaults) {
          process.stdout.write(
            `${entry.vault.id}  ${entry.vault.name}  (${entry.groups.map((group, i) => `${group}: ${entry.permissions[i]}`).join(', ') || 'no group'})\n`,
          );
        }
      }),
  );

  const member = program.commands.find((command) => command.name() === 'member') ?? program.command('member');
  if (!member.description()) member.description('what a member can do from the command line');
  withStorageFlags(
    member
      .command('vaults')
      .description("list the vaults a member can open, opening each key with the member's password")
      .requiredOption('--email <address>', "the member's e-mail address")
      .requiredOption('--password-file <file>', 'a file holding their password'),
  ).action((options: Record<string, unknown>) =>
    withStore(options, async (store) => {
      const password = await readPasswordFile(String(options.passwordFile));
      const vaults = await memberVaults(store, String(options.email), password);
      if (vaults.length === 0) {
        process.stdout.write(`${String(options.email)} can open no vault yet\n`);
      }
      for (const opened of vaults) {
        process.stdout.write(`${opened.vaultId}  ${opened.name}  (through ${opened.groups.join(', ')})\n`);
        opened.key.fill(0);
      }
    }),
  );
}

function withStore(options: Record<string, unknown>, work: (store: Store) => Promise<void>): Promise<void> {
  return withConfiguredStore(
    loadConfig(process.env, flagsOf(options)),
    [VaultCommandError, AccountError],
    work,
  );
}
