/**
 * Who the activity log names for a change made on the command line. There is no sign-in:
 * whoever can run a command can open the database, so the log names the login that ran it.
 */
import { userInfo } from 'node:os';
import type { AdminActor } from '../account/admin-rules.ts';

export function commandLineActor(): AdminActor {
  let login = 'unknown';
  try {
    login = userInfo().username;
  } catch {
    // No passwd entry (some containers): the log says "unknown".
  }
  return { memberId: null, name: `command line (user ${login})` };
}
