/**
 * A PATCH operation after the request envelope has been checked (RFC 7644 §3.5.2): the verb
 * folded to lower case and the path parsed once, so the engine and the group planner never
 * look at raw strings again.
 */

import type { PatchPath } from '../filter/path.ts';

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  /** Absent for the no-path forms of `add` and `replace`, where `value` holds attribute names. */
  path?: PatchPath;
  /** The path as the client wrote it, for error details. */
  pathText?: string;
  /** Absent when the client sent no `value` member (only legal for `remove`). */
  value?: unknown;
}
