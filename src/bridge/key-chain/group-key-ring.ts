/** The bridge's side of the key chain (DESIGN.md): makes group key pairs and re-seals group keys for members; opened keys are cached per provisioning key. */

import type { Logger } from 'pino';
import { KEY_CHAIN_CALL_BATCH } from '../../account/api/protocol.ts';
import type { AccountClient, GroupKeyInfo } from '../../account/client.ts';
import type { Bytes } from '../../crypto/encoding.ts';
import {
  createGroupKeyPair,
  openGroupPrivateKey,
  PROVISIONING_RECIPIENT,
  SealFormatError,
  SealOpenError,
} from '../../crypto/key-chain.ts';
import { type NativeSealer, sealGroupPrivateKeyNative } from './native-seal.ts';

export interface ProvisioningKey {
  privateKey: CryptoKey;
  /** base64url; group keys are sealed to it. */
  publicKey: string;
}

/** Why the bridge cannot use a group's key; `reason` is safe to show and says what fixes it. */
export class GroupKeyUnavailable extends Error {
  constructor(
    readonly groupId: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'GroupKeyUnavailable';
  }
}

/** Items per account call; the account refuses more than 1,000. */
const CALL_BATCH = KEY_CHAIN_CALL_BATCH;
const DEFAULT_CACHE_LIMIT = 1000;

export class GroupKeyRing {
  private readonly opened = new Map<string, Bytes>();
  private readonly keyInfo = new Map<string, GroupKeyInfo>();
  private current: ProvisioningKey | undefined;
  private previous: ProvisioningKey | undefined;
  /** Seals a re-seal pass needs not look at again: they open with the current key, or with neither. */
  private readonly settled = new Set<string>();
  /** Keys the previous key opens that the account did not take at the last pass (groups set aside, P20). */
  private waiting = 0;

  constructor(
    private readonly client: AccountClient,
    private readonly provisioningKey: () => ProvisioningKey | undefined,
    private readonly logger: Logger,
    private readonly cacheLimit = DEFAULT_CACHE_LIMIT,
  ) {}

  /** True once a valid token has given the bridge its provisioning key. */
  get ready(): boolean {
    return this.provisioningKey() !== undefined;
  }

  private requireKey(): ProvisioningKey {
    const key = this.provisioningKey();
    if (key === undefined) {
      throw new GroupKeyUnavailable('', 'the bridge has no valid token yet, so it cannot open group keys');
    }
    // New credentials (P2): new cache; keep the old key until its group keys are re-sealed for the new one.
    if (this.current !== undefined && this.current.publicKey !== key.publicKey) {
      this.previous = this.current;
      this.settled.clear();
      this.forget();
    }
    this.current = key;
    return key;
  }

  /**
   * After new credentials, re-seals group keys only the previous key opens; otherwise a
   * regeneration strands existing groups. The account takes no seal of a group set aside by a
   * re-created integration (P20) until it is transferred, so the previous key stays in memory
   * until every group it opens is re-sealed. Returns the count.
   */
  async resealFromPrevious(): Promise<number> {
    const current = this.requireKey();
    const previous = this.previous;
    if (previous === undefined) return 0;
    const asProvisioning = (key: ProvisioningKey) => ({
      id: PROVISIONING_RECIPIENT,
      publicKey: key.publicKey,
    });
    let resealed = 0;
    let waiting = 0;
    let afterGroupId: string | undefined;
    for (;;) {
      const page = await this.client.listProvisioningGroupKeys({
        limit: CALL_BATCH,
        ...(afterGroupId ? { afterGroupId } : {}),
      });
      const updates = [];
      for (const key of page) {
        const sealed = key.sealedForProvisioning!;
        if (this.settled.has(sealed)) continue;
        const opensWithCurrent = await openGroupPrivateKey(
          key.groupId,
          sealed,
          current.privateKey,
          asProvisioning(current),
        ).then(
          (bytes) => {
            bytes.fill(0);
            return true;
          },
          () => false,
        );
        if (opensWithCurrent) {
          this.settled.add(sealed);
          continue;
        }
        let bytes: Bytes;
        try {
          bytes = await openGroupPrivateKey(
            key.groupId,
            sealed,
            previous.privateKey,
            asProvisioning(previous),
          );
        } catch {
          this.settled.add(sealed);
          continue; // sealed for a key older still: an administrator must give it again
        }
        updates.push({
          groupId: key.groupId,
          publicKey: key.publicKey,
          sealedForProvisioning: sealGroupPrivateKeyNative(key.groupId, bytes, asProvisioning(current)),
        });
        bytes.fill(0);
      }
      if (updates.length > 0) {
        const replaced = await this.client.resealGroupKeys(updates);
        resealed += replaced;
        waiting += updates.length - replaced;
      }
      if (page.length < CALL_BATCH) break;
      afterGroupId = page[page.length - 1]!.groupId;
    }
    // Only once every page went through and every key moved: otherwise the old key stays for the next run.
    if (waiting === 0) {
      this.previous = undefined;
      this.settled.clear();
    } else if (waiting !== this.waiting) {
      this.logger.info(
        { groups: waiting },
        'group keys of groups set aside by a re-created integration wait for their transfer; the bridge keeps the previous provisioning key in memory until then',
      );
    }
    this.waiting = waiting;
    this.keyInfo.clear();
    if (resealed > 0)
      this.logger.info({ groups: resealed }, 'group keys sealed for the new provisioning key');
    return resealed;
  }

  /** Drops every opened group key (wiping the bytes). */
  forget(): void {
    for (const bytes of this.opened.values()) bytes.fill(0);
    this.opened.clear();
    this.keyInfo.clear();
  }

  /** Makes missing key pairs; the account keeps the first stored pair, so racing bridges agree. */
  async createKeys(groupIds: readonly string[]): Promise<Map<string, GroupKeyInfo>> {
    const provisioning = this.requireKey();
    const result = new Map<string, GroupKeyInfo>();
    for (let start = 0; start < groupIds.length; start += CALL_BATCH) {
      const chunk = groupIds.slice(start, start + CALL_BATCH);
      const made = new Map<string, { publicKey: string; privateKey: Bytes }>();
      const keys = [];
      for (const groupId of chunk) {
        const pair = await createGroupKeyPair();
        made.set(groupId, pair);
        keys.push({
          groupId,
          publicKey: pair.publicKey,
          sealedForProvisioning: sealGroupPrivateKeyNative(groupId, pair.privateKey, {
            id: PROVISIONING_RECIPIENT,
            publicKey: provisioning.publicKey,
          }),
        });
      }
      for (const stored of await this.client.addGroupKeys(keys)) {
        result.set(stored.groupId, stored);
        const ours = made.get(stored.groupId);
        // Ours won: keep the bytes rather than opening what we just sealed.
        if (ours && ours.publicKey === stored.publicKey) this.remember(stored, ours.privateKey.slice());
      }
      for (const pair of made.values()) pair.privateKey.fill(0);
    }
    return result;
  }

  /** The group's private key (PKCS #8), opened with the provisioning key. */
  async open(key: GroupKeyInfo): Promise<Bytes> {
    const provisioning = this.requireKey();
    // Checked before the cache: a seal withdrawn (the group taken off the managed list) ends the bridge's use of the key.
    if (key.sealedForProvisioning === null) {
      this.opened.get(cacheKey(key))?.fill(0);
      this.opened.delete(cacheKey(key));
      throw new GroupKeyUnavailable(
        key.groupId,
        'its key is not held by the bridge; an administrator who holds it gives it on the console page of the group or with `scimbridge group give-key-to-bridge <group>`',
      );
    }
    const cached = this.opened.get(cacheKey(key));
    if (cached) return cached;
    let bytes: Bytes;
    try {
      bytes = await openGroupPrivateKey(key.groupId, key.sealedForProvisioning, provisioning.privateKey, {
        id: PROVISIONING_RECIPIENT,
        publicKey: provisioning.publicKey,
      });
    } catch (error) {
      if (error instanceof SealOpenError || error instanceof SealFormatError) {
        throw new GroupKeyUnavailable(
          key.groupId,
          'its key was sealed for another provisioning key (credentials regenerated since); an administrator who holds it gives it again on the console page of the group or with `scimbridge group give-key-to-bridge <group>`',
        );
      }
      throw error;
    }
    this.remember(key, bytes);
    return bytes;
  }

  /** Seals the group's key for one member (with `sealer`, made for that member, when sealing several). */
  async sealFor(
    key: GroupKeyInfo,
    member: { id: string; publicKey: string },
    sealer?: NativeSealer,
  ): Promise<string> {
    const privateKey = await this.open(key);
    return sealGroupPrivateKeyNative(key.groupId, privateKey, member, sealer);
  }

  /** Shares a group's key with confirmed members who lack it; never throws, as the watcher's sweep retries failures. */
  async shareWithMembers(groupId: string, memberIds: readonly string[]): Promise<number> {
    if (memberIds.length === 0 || !this.ready) return 0;
    let shared = 0;
    try {
      const unique = [...new Set(memberIds)];
      const key = await this.groupKey(groupId);
      if (key === undefined) return 0;
      for (let start = 0; start < unique.length; start += CALL_BATCH) {
        const missing = await this.client.findMissingKeyShares({
          groupId,
          memberIds: unique.slice(start, start + CALL_BATCH),
        });
        if (missing.length === 0) continue;
        const shares = [];
        for (const row of missing) {
          shares.push({
            groupId,
            memberId: row.memberId,
            sealedPrivateKey: await this.sealFor(key, { id: row.memberId, publicKey: row.memberPublicKey }),
          });
        }
        shared += await this.client.addKeyShares(shares);
      }
    } catch (error) {
      this.logger.warn(
        { groupId, reason: error instanceof GroupKeyUnavailable ? error.reason : (error as Error).message },
        'could not share a group key with new members; the provision watcher will retry',
      );
    }
    return shared;
  }

  /** The group's key pair, cached (it never changes: IdPs PATCH the same few groups); made now if missing. */
  private async groupKey(groupId: string): Promise<GroupKeyInfo | undefined> {
    const known = this.keyInfo.get(groupId);
    if (known) return known;
    const key =
      (await this.client.getGroupKeys([groupId]))[0] ?? (await this.createKeys([groupId])).get(groupId);
    if (key !== undefined) {
      if (this.keyInfo.size >= this.cacheLimit) this.keyInfo.clear();
      this.keyInfo.set(groupId, key);
    }
    return key;
  }

  /** A group the IdP just created: its key pair, then its first members' shares. */
  async groupCreated(groupId: string, memberIds: readonly string[]): Promise<void> {
    if (!this.ready) return;
    try {
      await this.createKeys([groupId]);
    } catch (error) {
      this.logger.warn(
        { groupId, reason: (error as Error).message },
        "could not make a new group's key pair; the provision watcher will retry",
      );
      return;
    }
    await this.shareWithMembers(groupId, memberIds);
  }

  private remember(key: GroupKeyInfo, bytes: Bytes): void {
    if (this.opened.size >= this.cacheLimit) {
      const oldest = this.opened.keys().next().value;
      if (oldest !== undefined) {
        this.opened.get(oldest)?.fill(0);
        this.opened.delete(oldest);
      }
    }
    this.opened.set(cacheKey(key), bytes);
  }
}

const cacheKey = (key: GroupKeyInfo): string => `${key.groupId}|${key.publicKey}`;
