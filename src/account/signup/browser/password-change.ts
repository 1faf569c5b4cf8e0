/**
 * Changing one's password, in the console and on the member page (issue 11): the current password opens the private
 * key of the person's key ring here, the new one seals it again, and only proofs and the
 * sealed key are posted (crypto/password-change.ts). Problems are shown beside the field
 * they are about. The passwords never leave this page.
 */
import { MemberKeyUnlockError } from '../../../crypto/member-keys.ts';
import type { MemberKeyRing } from '../../../crypto/open-vaults.ts';
import { preparePasswordChange } from '../../../crypto/password-change.ts';
import { passwordProblem } from '../../../crypto/sign-in-proof.ts';
import { element, show } from './dom.ts';

const FIELDS = ['current-password', 'new-password', 'new-password-confirm'] as const;
type Field = (typeof FIELDS)[number];

/** The page could not load the person's sealed key; its message says what to do. */
class KeysUnavailable extends Error {}

function fieldProblem(field: Field | undefined, message: string): void {
  for (const name of FIELDS) {
    const text = name === field ? message : '';
    show(`${name}-error`, text);
    element<HTMLInputElement>(name)?.setAttribute('aria-invalid', text === '' ? 'false' : 'true');
  }
  show('problem', field === undefined ? message : '');
  if (field) element<HTMLInputElement>(field)?.focus();
}

/** The console's key ring carries the keys under `keys`; the member page's `/member/keys` is the keys. */
async function ownKeys(path: string): Promise<MemberKeyRing['keys']> {
  const response = await fetch(path, {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
  const body = (await response.json().catch(() => ({}))) as Partial<MemberKeyRing['keys']> & {
    message?: string;
    keys?: MemberKeyRing['keys'];
  };
  const keys = body.keys ?? body;
  if (
    response.status !== 200 ||
    typeof keys.publicKey !== 'string' ||
    typeof keys.encryptedPrivateKey !== 'string'
  )
    throw new KeysUnavailable(
      body.message ?? 'Your keys could not be loaded. Reload the page and try again.',
    );
  return { publicKey: keys.publicKey, encryptedPrivateKey: keys.encryptedPrivateKey };
}

export function setupPasswordChange(form: HTMLFormElement): void {
  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    if (!globalThis.crypto?.subtle) {
      fieldProblem(undefined, 'This browser cannot open keys here: the console must be opened over HTTPS.');
      return;
    }
    const value = (field: Field) => element<HTMLInputElement>(field)?.value ?? '';
    const currentPassword = value('current-password');
    const newPassword = value('new-password');
    if (currentPassword === '') return fieldProblem('current-password', 'Enter your current password.');
    const problem = passwordProblem(newPassword, value('new-password-confirm'));
    if (problem)
      return fieldProblem(
        problem.includes('not the same') ? 'new-password-confirm' : 'new-password',
        problem,
      );
    if (newPassword === currentPassword)
      return fieldProblem('new-password', 'The new password is your current one: choose another.');
    busy = true;
    fieldProblem(undefined, '');
    show('status', 'Sealing your key under the new password…');
    void (async () => {
      try {
        const change = await preparePasswordChange({
          keys: await ownKeys(form.dataset.keys ?? ''),
          current: { salt: form.dataset.proofSalt ?? '', iterations: Number(form.dataset.proofIterations) },
          currentPassword,
          newPassword,
          iterations: Number(form.dataset.iterations),
        });
        const csrf = form.querySelector<HTMLInputElement>('input[name="csrf"]')?.value ?? '';
        const response = await fetch(form.getAttribute('action') ?? '', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ csrf, ...change }),
          credentials: 'same-origin',
        });
        const answer = (await response.json().catch(() => ({}))) as {
          message?: string;
          next?: string;
          field?: string;
        };
        if (response.status === 200 && typeof answer.next === 'string') {
          location.assign(answer.next);
          return;
        }
        show('status', '');
        fieldProblem(
          answer.field === 'current-password' ? 'current-password' : undefined,
          answer.message ?? `Not changed (HTTP ${response.status}). Reload the page and try again.`,
        );
      } catch (error) {
        show('status', '');
        fieldProblem(
          error instanceof MemberKeyUnlockError ? 'current-password' : undefined,
          error instanceof MemberKeyUnlockError
            ? 'That is not your current password: it does not open your keys. Nothing was changed.'
            : error instanceof KeysUnavailable
              ? error.message
              : 'The password could not be changed. Check your connection and try again; nothing was changed.',
        );
      } finally {
        busy = false;
      }
    })();
  });
}
