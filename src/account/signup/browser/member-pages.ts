/**
 * The script of the member pages (sign-up and sign-in), bundled at server start by esbuild
 * (src/account/signup/assets.ts). It runs the same crypto modules as the CLI:
 * - sign-up: makes the member's X25519 key pair, seals the private half under the password
 *   and derives the sign-in proof, then posts only those (never the password);
 * - sign-in: fetches the member's proof parameters, derives the proof, posts it.
 *
 * Runs in the browser only; it touches nothing until the page says which form it has.
 */
import { createMemberKeys } from '../../../crypto/member-keys.ts';
import { deriveSignInProof, newProofParameters, passwordProblem } from '../../../crypto/sign-in-proof.ts';
import { setupBridgeKey, setupConfirm, setupMemberKey, setupVaultGrant } from './console-keys.ts';
import { setupVaultCreate } from './console-vaults.ts';
import { element, show } from './dom.ts';
import { setupPasswordChange } from './password-change.ts';
import { setupVaults } from './vaults-page.ts';

async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (await response.json()) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { status: response.status, body: parsed };
}

function messageOf(result: { status: number; body: Record<string, unknown> }): string {
  return typeof result.body.message === 'string'
    ? result.body.message
    : `The server could not complete this (HTTP ${result.status}). Try again in a moment.`;
}

/** WebCrypto's subtle API exists only in secure contexts (HTTPS, or localhost). */
function cryptoAvailable(): boolean {
  if (globalThis.crypto?.subtle) return true;
  show(
    'problem',
    'This browser cannot create keys here: the page must be opened over HTTPS. Ask your administrator to serve the account over HTTPS.',
  );
  return false;
}

function setBusy(form: HTMLFormElement, busy: boolean): void {
  for (const control of Array.from(form.elements)) {
    (control as HTMLInputElement | HTMLButtonElement).disabled = busy;
  }
}

function setupSignup(form: HTMLFormElement): void {
  const iterations = Number(form.dataset.iterations);
  let submitting = false;
  // Kept after a failed send: a retry posts the same keys, which the server accepts again
  // if the first attempt did arrive (its answer was lost), instead of calling the link used.
  let prepared: { password: string; body: Record<string, unknown> } | undefined;
  async function submissionFor(password: string): Promise<Record<string, unknown>> {
    if (prepared?.password === password) return prepared.body;
    const { material } = await createMemberKeys(password, { iterations });
    const parameters = newProofParameters(iterations);
    const body = {
      publicKey: material.publicKey,
      encryptedPrivateKey: material.encryptedPrivateKey,
      proof: await deriveSignInProof(password, parameters),
      proofSalt: parameters.salt,
      proofIterations: parameters.iterations,
    };
    prepared = { password, body };
    return body;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (submitting || !cryptoAvailable()) return;
    const password = element<HTMLInputElement>('password')?.value ?? '';
    const confirmation = element<HTMLInputElement>('password-confirm')?.value ?? '';
    const name = element<HTMLInputElement>('display-name');
    if (name && name.value.trim() === '') {
      show('problem', 'Enter your name.');
      name.focus();
      return;
    }
    const problem = passwordProblem(password, confirmation);
    show('problem', problem ?? '');
    if (problem) {
      element<HTMLInputElement>(problem.includes('not the same') ? 'password-confirm' : 'password')?.focus();
      return;
    }
    submitting = true;
    setBusy(form, true);
    show('status', 'Creating your keys… this takes a few seconds.');
    void (async () => {
      let body: Record<string, unknown>;
      try {
        body = await submissionFor(password);
      } catch {
        // X25519 in WebCrypto is recent (2024–2025 in the major browsers).
        show('status', '');
        show(
          'problem',
          'This browser cannot create the keys your account needs. Update it, or use a current version of Chrome, Edge, Firefox or Safari.',
        );
        submitting = false;
        setBusy(form, false);
        return;
      }
      try {
        // The owner's setup page also asks for a name (not part of the keys kept for a retry).
        const displayName = element<HTMLInputElement>('display-name')?.value.trim();
        const result = await postJson(location.pathname, displayName ? { ...body, displayName } : body);
        if (result.status === 200) {
          form.hidden = true;
          show('status', '');
          element('done')!.hidden = false;
          element('done')!.focus();
          return;
        }
        show('status', '');
        show('problem', messageOf(result));
      } catch {
        show('status', '');
        show('problem', 'Your keys could not be sent. Check your connection and try again.');
      }
      submitting = false;
      setBusy(form, false);
    })();
  });
}

function setupSignin(form: HTMLFormElement): void {
  // The member sign-in and the console's share this script; the form says where it posts.
  const target = form.getAttribute('action') ?? '/signin';
  let submitting = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (submitting || !cryptoAvailable()) return;
    const email = element<HTMLInputElement>('email')?.value.trim() ?? '';
    const password = element<HTMLInputElement>('password')?.value ?? '';
    if (email === '' || password === '') {
      show('problem', 'Enter your e-mail address and your password.');
      return;
    }
    submitting = true;
    setBusy(form, true);
    show('problem', '');
    show('status', 'Signing in…');
    void (async () => {
      try {
        const parameters = await postJson('/signin/parameters', { email });
        if (parameters.status !== 200) {
          show('status', '');
          show('problem', messageOf(parameters));
        } else {
          const proof = await deriveSignInProof(password, {
            salt: String(parameters.body.salt),
            iterations: Number(parameters.body.iterations),
          });
          const result = await postJson(target, { email, proof });
          if (result.status === 200) {
            location.assign(typeof result.body.next === 'string' ? result.body.next : '/member');
            return;
          }
          show('status', '');
          show('problem', messageOf(result));
        }
      } catch {
        show('status', '');
        show('problem', 'Signing in failed. Check your connection and try again.');
      }
      submitting = false;
      setBusy(form, false);
    })();
  });
}

const signup = element<HTMLFormElement>('signup-form');
if (signup) setupSignup(signup);
const signin = element<HTMLFormElement>('signin-form');
if (signin) setupSignin(signin);
// Copy buttons (the console's new token): shown only when the script runs; without it, the
// field is read-only and selectable.
for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-copy]'))) {
  const field = element<HTMLInputElement>(button.dataset.copy ?? '');
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', () => {
    navigator.clipboard.writeText(field.value).then(
      () => show('copy-status', 'Copied.'),
      () => show('copy-status', 'Copying failed: select the text and copy it yourself.'),
    );
  });
}
const vaultCreate = element<HTMLFormElement>('vault-create-form');
if (vaultCreate) setupVaultCreate(vaultCreate);
const confirm = element<HTMLFormElement>('confirm-form');
if (confirm) setupConfirm(confirm);
const memberKey = element<HTMLFormElement>('member-key-form');
if (memberKey) setupMemberKey(memberKey);
const vaultGrant = element<HTMLFormElement>('vault-grant-form');
if (vaultGrant) setupVaultGrant(vaultGrant);
const bridgeKey = element<HTMLFormElement>('bridge-key-form');
if (bridgeKey) setupBridgeKey(bridgeKey);
const passwordChange = element<HTMLFormElement>('password-form');
if (passwordChange) setupPasswordChange(passwordChange);
const vaults = element<HTMLFormElement>('vaults-form');
if (vaults) setupVaults(vaults);
// The script is running: the "needs JavaScript" notice can go.
for (const notice of Array.from(document.querySelectorAll<HTMLElement>('.needs-script')))
  notice.hidden = true;
