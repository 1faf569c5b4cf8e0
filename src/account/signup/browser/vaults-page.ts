/**
 * The vaults page's script: fetch the member's key ring (all sealed), open it with the
 * password typed here, list the vaults that opened. Only text is inserted, never HTML.
 */
import { MemberKeyUnlockError } from '../../../crypto/member-keys.ts';
import { type MemberKeyRing, openVaults } from '../../../crypto/open-vaults.ts';
import { element, show } from './dom.ts';

export function setupVaults(form: HTMLFormElement): void {
  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    if (!globalThis.crypto?.subtle) {
      show('problem', 'This browser cannot open keys here: the page must be opened over HTTPS.');
      return;
    }
    const password = element<HTMLInputElement>('password')?.value ?? '';
    if (password === '') {
      show('problem', 'Enter your password.');
      return;
    }
    busy = true;
    show('problem', '');
    show('status', 'Opening your keys…');
    void (async () => {
      try {
        const response = await fetch('/member/key-ring', {
          headers: { accept: 'application/json' },
          credentials: 'same-origin',
        });
        if (response.status === 401) {
          location.assign('/signin');
          return;
        }
        if (response.status !== 200) {
          show('status', '');
          show('problem', 'Your keys could not be loaded. Try again in a moment.');
          return;
        }
        const ring = (await response.json()) as MemberKeyRing;
        const vaults = await openVaults(ring, password);
        const list = element<HTMLUListElement>('vaults-list')!;
        list.replaceChildren(
          ...vaults.map((vault) => {
            const item = document.createElement('li');
            item.textContent = `${vault.name} — through ${vault.groups.join(', ')}`;
            item.dataset.vaultId = vault.vaultId;
            vault.key.fill(0);
            return item;
          }),
        );
        element('vaults-empty')!.hidden = vaults.length > 0;
        element('vaults-result')!.hidden = false;
        show('status', '');
        element('vaults-heading')?.focus();
      } catch (error) {
        show('status', '');
        show(
          'problem',
          error instanceof MemberKeyUnlockError
            ? 'That password does not open your keys. Check it and try again.'
            : 'Your vaults could not be opened. Try again in a moment.',
        );
      } finally {
        busy = false;
      }
    })();
  });
}
