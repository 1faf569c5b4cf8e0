/**
 * The console's key actions in the administrator's browser (issue 11): the page's script
 * fetches the administrator's own key ring (everything in it sealed), opens it with the
 * password typed on the page, seals what the action passes on and posts only sealed values.
 * The password and every opened key stay in this page; opened key bytes are wiped after use.
 */
import {
  GroupKeyNotHeldError,
  sealGroupKeysFor,
  sealVaultKeyFor,
  VaultKeyNotHeldError,
} from '../../../crypto/admin-keys.ts';
import { PROVISIONING_RECIPIENT } from '../../../crypto/key-chain.ts';
import { MemberKeyUnlockError } from '../../../crypto/member-keys.ts';
import type { MemberKeyRing } from '../../../crypto/open-vaults.ts';
import { element, show } from './dom.ts';

class Refused extends Error {}

async function adminKeyRing(): Promise<MemberKeyRing> {
  const response = await fetch('/admin/key-ring', {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (response.status !== 200)
    throw new Refused(body.message ?? 'Your keys could not be loaded. Reload the page and try again.');
  return body as MemberKeyRing;
}

function problemText(error: unknown): string {
  if (error instanceof MemberKeyUnlockError)
    return 'That password does not open your keys. Check it and try again; nothing was changed.';
  if (error instanceof GroupKeyNotHeldError)
    return `You do not hold the key of ${error.groups.join(', ')}, so nothing was changed. Reload the page to see what to do.`;
  if (error instanceof VaultKeyNotHeldError)
    return 'No group you are a member of opens this vault, so you cannot pass its key on. A member of one of its groups can grant it; nothing was changed.';
  if (error instanceof Refused) return error.message;
  return 'This could not be done. Check your connection and try again; nothing was changed.';
}

/** Runs the action when the form is sent: builds the JSON body with the opened ring, posts it, follows `next`. */
function onSubmit(
  form: HTMLFormElement,
  build: (ring: MemberKeyRing, password: string) => Promise<Record<string, unknown>>,
): void {
  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    if (!globalThis.crypto?.subtle) {
      show('problem', 'This browser cannot open keys here: the console must be opened over HTTPS.');
      return;
    }
    const passwordField = element<HTMLInputElement>('password');
    const password = passwordField?.value ?? '';
    if (password === '') {
      show('problem', 'Enter your password.');
      passwordField?.setAttribute('aria-invalid', 'true');
      passwordField?.focus();
      return;
    }
    busy = true;
    show('problem', '');
    show('status', 'Opening your keys…');
    void (async () => {
      try {
        const body = await build(await adminKeyRing(), password);
        const csrf = form.querySelector<HTMLInputElement>('input[name="csrf"]')?.value ?? '';
        const response = await fetch(form.getAttribute('action') ?? '', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ csrf, ...body }),
          credentials: 'same-origin',
        });
        const answer = (await response.json().catch(() => ({}))) as { message?: string; next?: string };
        if (response.status === 200 && typeof answer.next === 'string') {
          location.assign(answer.next);
          return;
        }
        throw new Refused(answer.message ?? `Not done (HTTP ${response.status}); nothing was changed.`);
      } catch (error) {
        show('status', '');
        show('problem', problemText(error));
        passwordField?.setAttribute('aria-invalid', error instanceof MemberKeyUnlockError ? 'true' : 'false');
        passwordField?.focus();
      } finally {
        busy = false;
      }
    })();
  });
}

/** The form's groups (hidden inputs), their keys sealed for the person the form names. */
function sealFormGroups(form: HTMLFormElement, ring: MemberKeyRing, password: string) {
  const groups = Array.from(form.querySelectorAll<HTMLInputElement>('input[name="group"]')).map((input) => ({
    groupId: input.value,
    displayName: input.dataset.name ?? input.value,
  }));
  return sealGroupKeysFor(ring, password, groups, {
    id: form.dataset.memberId ?? '',
    publicKey: form.dataset.publicKey ?? '',
  });
}

/** Confirming a pending person: the keys of all their groups. */
export function setupConfirm(form: HTMLFormElement): void {
  onSubmit(form, async (ring, password) => ({
    expectedVersion: Number(form.dataset.version),
    shares: await sealFormGroups(form, ring, password),
  }));
}

/** Adding a confirmed person to a group: that group's key. */
export function setupMemberKey(form: HTMLFormElement): void {
  onSubmit(form, async (ring, password) => ({
    email: form.querySelector<HTMLInputElement>('input[name="email"]')?.value ?? '',
    shares: await sealFormGroups(form, ring, password),
  }));
}

export function setupVaultGrant(form: HTMLFormElement): void {
  onSubmit(form, async (ring, password) => {
    const choice = element<HTMLSelectElement>('grant-group');
    const option = choice?.selectedOptions[0];
    if (!option || option.value === '') throw new Refused('Choose the group to grant the vault to.');
    const sealedVaultKey = await sealVaultKeyFor(ring, password, form.dataset.vaultId ?? '', {
      id: option.value,
      publicKey: option.dataset.publicKey ?? '',
    });
    const permission = element<HTMLSelectElement>('grant-permission')?.value ?? 'view';
    return { groupId: option.value, sealedVaultKey, permission };
  });
}

/** Giving a managed group's key back to the bridge: sealed for the integration's provisioning key. */
export function setupBridgeKey(form: HTMLFormElement): void {
  onSubmit(form, async (ring, password) => {
    const { groupId = '', groupName = '', groupPublicKey = '', provisioningPublicKey = '' } = form.dataset;
    const [sealed] = await sealGroupKeysFor(ring, password, [{ groupId, displayName: groupName }], {
      id: PROVISIONING_RECIPIENT,
      publicKey: provisioningPublicKey,
    });
    return { groupPublicKey, provisioningPublicKey, sealedForProvisioning: sealed?.sealedPrivateKey ?? '' };
  });
}
