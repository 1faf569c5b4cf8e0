/**
 * The Store contract: one suite that every implementation must pass. Run it from each
 * implementation's test file with a factory that opens a fresh, empty store.
 */
import { describe } from 'node:test';
import type { Store } from '../account/store.ts';
import { filtersContract, listsContract } from './contract-lists.ts';
import { groupsContract, membersContract, membershipContract } from './contract-members.ts';
import { accountContract } from './contract-records.ts';
import { claimsContract, emailContract, transactionsContract } from './contract-transactions.ts';

export { makeGroup, makeMail, makeMember, UNUSUAL_PROFILES } from './contract-fixtures.ts';

export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    membersContract(open);
    groupsContract(open);
    membershipContract(open);
    filtersContract(open);
    listsContract(open);
    transactionsContract(open);
    accountContract(open);
    claimsContract(open);
    emailContract(open);
  });
}
