/**
 * The console's "create a vault" form: the vault key is made here, in the administrator's
 * browser, and sealed to each chosen group's public key (for the vault id the page carries);
 * only the sealed values are posted, so the server never holds the key in the clear.
 */
import { createVaultKey, sealVaultKey } from '../../../crypto/key-chain.ts';
import { element, show } from './dom.ts';

export function setupVaultCreate(form: HTMLFormElement): void {
  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    if (!globalThis.crypto?.subtle) {
      show('problem', 'This browser cannot make keys here: the console must be opened over HTTPS.');
      return;
    }
    const name = element<HTMLInputElement>('vault-name')?.value.trim() ?? '';
    const chosen = Array.from(form.querySelectorAll<HTMLInputElement>('input[name="group"]:checked'));
    if (name === '') {
      show('problem', 'Enter a name for the vault.');
      element('vault-name')?.focus();
      return;
    }
    if (chosen.length === 0) {
      show('problem', 'Choose at least one group: a vault that no group can open is lost.');
      return;
    }
    busy = true;
    show('problem', '');
    show('status', 'Making the vault key and sealing it…');
    void (async () => {
      const vaultId = form.dataset.vaultId ?? '';
      const key = createVaultKey();
      try {
        const grants = [];
        for (const box of chosen) {
          const groupId = box.value;
          grants.push({
            groupId,
            sealedVaultKey: await sealVaultKey(vaultId, key, {
              id: groupId,
              publicKey: box.dataset.publicKey ?? '',
            }),
          });
        }
        const csrf = form.querySelector<HTMLInputElement>('input[name="csrf"]')?.value ?? '';
        const response = await fetch(form.getAttribute('action') ?? '/vaults', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ csrf, vaultId, name, grants }),
          credentials: 'same-origin',
        });
        const body = (await response.json().catch(() => ({}))) as { message?: string; next?: string };
        if (response.status === 200 && typeof body.next === 'string') {
          location.assign(body.next);
          return;
        }
        show('status', '');
        show('problem', body.message ?? `The vault could not be created (HTTP ${response.status}).`);
      } catch {
        show('status', '');
        show('problem', 'The vault could not be created. Check your connection and try again.');
      } finally {
        key.fill(0);
      }
      busy = false;
    })();
  });
}
