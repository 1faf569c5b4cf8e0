// Forward-only, each run once in a transaction; never edit a shipped one.
import { migration as v1 } from './001-initial-schema.ts';
import { migration as v2 } from './002-member-keys.ts';
import { migration as v3 } from './003-member-sign-in.ts';
import { migration as v4 } from './004-key-chain.ts';
import { migration as v5 } from './005-outbox-claims.ts';
import { migration as v6 } from './006-account-api-access.ts';
import { migration as v7 } from './007-monitoring.ts';
import { migration as v8 } from './008-counter-lock-order.ts';
import { migration as v9 } from './009-people-list.ts';
import { migration as v10 } from './010-group-name-keys.ts';
import { migration as v11 } from './011-queued-mail-by-member.ts';
import { migration as v12 } from './012-scim-request-log.ts';
import { migration as v13 } from './013-people-state-and-managed.ts';
import { migration as v14 } from './014-monitoring-switch.ts';
import { migration as v15 } from './015-fewer-member-indexes.ts';
import { migration as v16 } from './016-previous-integration-groups.ts';
import { migration as v17 } from './017-vault-grant-permissions.ts';
import { migration as v18 } from './018-member-profile-objects.ts';
import type { Migration } from './migration.ts';

export type { Migration } from './migration.ts';

const inOrder = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18];
/** Each store applies those its database has not recorded. */
export const migrations: readonly Migration[] = inOrder;

migrations.forEach((migration, index) => {
  if (migration.version !== index + 1) throw new Error(`migration ${migration.version} is out of order`);
});
