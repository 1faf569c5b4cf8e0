import type { Migration } from './migration.ts';

/**
 * A member's queued mail, found by its member: suspending, deleting or re-inviting a member
 * drops their queued invitation, and without this index each of those read every queued
 * message (all of them, on an account without SMTP), a cost that grew with the account.
 * Partial: sent and failed mail is never looked up this way.
 */
export const migration: Migration = {
  version: 11,
  name: 'queued mail by member',
  sqlite:
    "CREATE INDEX outbox_queued_member ON outbox (json_extract(data, '$.memberId')) WHERE state = 'queued';",
  postgres: "CREATE INDEX outbox_queued_member ON outbox ((data ->> 'memberId')) WHERE state = 'queued';",
};
