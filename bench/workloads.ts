/**
 * The workloads of issue 2 part 7, run in order against one fresh server:
 *   W1 create N users · W2 random `userName eq` lookups · W3 group membership PATCHes, one
 *   member per request (Entra) and 50 per request (Okta), on a group of 10 and on a big group
 *   of min(N, 50,000) · W4 full sweeps in pages of 100 · W5 `active=false` for every user ·
 *   W6 substring lookups (`userName co "user<k>@"`, one match each) over 200 connections.
 * W1 always runs because everything else needs its users; with `--only` it is then a setup
 * step. Membership workloads alternate adding and removing the same members so that each
 * group stays at its nominal size and every request changes something.
 */
import type { LoadPlan, PlannedRequest } from './load.ts';
import { type MeasureContext, type Measurement, measure } from './measure.ts';
import {
  benchUserName,
  createGroup,
  entraAddMember,
  entraCreateUser,
  entraDeactivate,
  entraRemoveMember,
  oktaAddMembers,
  oktaRemoveMembers,
  userNameFilterPath,
} from './scim-bodies.ts';

export interface SuiteOptions {
  users: number;
  /**
   * Users 0 … seeded − 1 are made in bulk by the server before the warm-up (bench/seed.ts);
   * W1 then creates the rest through SCIM. None when undefined.
   */
  seeded?: number;
  /** W5 deactivates this many users spread evenly over all of them; all when undefined. */
  deactivations?: number;
  /** W5 takes its users in a shuffled order (seeded), so that no two requests in a row share a table page. */
  scatterDeactivations?: boolean;
  /** W2 requests. */
  lookups: number;
  /** W3a requests per group (half add, half remove). */
  memberRequests: number;
  /** W3b requests per group (half add, half remove), each with `batchSize` members. */
  batchRequests: number;
  batchSize: number;
  /** The big group holds min(users, bigGroupSize) members. */
  bigGroupSize: number;
  /** Members per PATCH while building the big group. */
  buildBatchSize: number;
  /**
   * W4 repeats its full sweep until at least this many pages are measured. One sweep of
   * 20,000 users is 201 requests in under a second, in which the page path is still being
   * compiled: its figure moved by ±15 % between runs, and an IdP sweeps again and again.
   */
  sweepPages: number;
  /** Workload keys or prefixes to run (`W2`, `W3`, `W3a` …); everything when undefined. */
  only: readonly string[] | undefined;
  log(line: string): void;
}

export const WORKLOAD_KEYS = [
  'W1',
  'W2',
  'W3a-small',
  'W3a-big',
  'W3b-small',
  'W3b-big',
  'W4',
  'W5',
  'W6',
] as const;

/** W6 runs over this many connections, whatever `--concurrency` says: the load that stalled. */
const SUBSTRING_CONNECTIONS = 200;

const SMALL_GROUP_SIZE = 10;
const USERS = '/scim/v2/Users';
const GROUPS = '/scim/v2/Groups';

/** Deterministic, so that two runs look the same users up. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The users W5 deactivates, as indices into the `n` users: `count` of them spread evenly over
 * the whole table (seeded and created users, old and new rows alike), in id order or shuffled.
 */
export function deactivationOrder(n: number, count: number, scattered: boolean): number[] {
  const order = Array.from({ length: count }, (_, index) => Math.floor((index * n) / count));
  if (scattered) {
    const random = seededRandom(5);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  return order;
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class WorkloadAbort extends Error {
  /** What was measured before the suite had to stop. */
  measured: Measurement[] = [];
  constructor(message: string) {
    super(message);
    this.name = 'WorkloadAbort';
  }
}

function selected(only: readonly string[] | undefined, key: string): boolean {
  return only === undefined || only.some((prefix) => key.toLowerCase().startsWith(prefix.toLowerCase()));
}

/** Sends one setup request and returns its parsed answer, or stops the suite loudly. */
async function single(
  context: MeasureContext,
  what: string,
  request: PlannedRequest,
): Promise<Record<string, unknown>> {
  let answer: Record<string, unknown> | undefined;
  const plan: LoadPlan = {
    total: 1,
    request: () => request,
    check: (_index, _status, body) => {
      answer = body === '' ? {} : parseJson(body);
      return answer ? undefined : `not JSON: ${body.slice(0, 200)}`;
    },
  };
  const result = await measure(context, { key: 'setup', label: what, setup: true, plan });
  if (result.failed > 0 || !answer) {
    const sample = result.failureSamples[0];
    throw new WorkloadAbort(`${what} failed: ${sample ? `${sample.reason} ${sample.detail}` : 'no answer'}`);
  }
  return answer;
}

function idOf(answer: Record<string, unknown>, what: string): string {
  if (typeof answer.id !== 'string') throw new WorkloadAbort(`${what}: the answer has no id`);
  return answer.id;
}

export async function runSuite(context: MeasureContext, options: SuiteOptions): Promise<Measurement[]> {
  const results: Measurement[] = [];
  try {
    await runWorkloads(context, options, results);
  } catch (error) {
    if (error instanceof WorkloadAbort) error.measured = results;
    throw error;
  }
  return results;
}

async function runWorkloads(
  context: MeasureContext,
  options: SuiteOptions,
  results: Measurement[],
): Promise<void> {
  const run = async (spec: Parameters<typeof measure>[1]): Promise<Measurement> => {
    const measurement = await measure(context, spec);
    results.push(measurement);
    const errors = measurement.failed > 0 ? `  ${measurement.failed} ERRORS` : '';
    options.log(
      `  ${spec.key.padEnd(10)} ${measurement.requests} requests in ${(measurement.wallMs / 1000).toFixed(1)} s, ` +
        `${measurement.serverCpuMsPerRequest.toFixed(3)} ms server CPU each${errors}`,
    );
    return measurement;
  };
  const n = options.users;
  const seeded = options.seeded ?? 0;
  if (seeded < 0 || seeded >= n)
    throw new WorkloadAbort(`seeded ${seeded} of ${n} users: W1 needs some to create`);
  const ids: string[] = new Array(n);
  if (seeded > 0) {
    options.log(`  seeding ${seeded.toLocaleString('en')} users in bulk …`);
    const seededIds = await context.server.seed(seeded);
    if (seededIds.length !== seeded)
      throw new WorkloadAbort(`the seed made ${seededIds.length} of ${seeded} users`);
    seededIds.forEach((id, index) => {
      ids[index] = id;
    });
  }

  // Warm-up (not measured): lets the JIT settle so W1 does not pay for compilation.
  const warmUp = await measure(context, {
    key: 'warm-up',
    label: 'warm-up',
    setup: true,
    plan: {
      total: 500,
      request: (index) => ({ method: 'GET', path: userNameFilterPath(`nobody${index}@contoso.example`) }),
    },
  });
  if (warmUp.failed > 0) {
    const sample = warmUp.failureSamples[0];
    throw new WorkloadAbort(`the warm-up lookups failed: ${sample?.reason} ${sample?.detail}`);
  }

  // W1: create N users (Entra's body), or the ones not seeded. Each create also queues an invitation e-mail.
  const creates = n - seeded;
  const w1 = await run({
    key: 'W1',
    label:
      seeded > 0
        ? `create ${creates.toLocaleString('en')} users after ${seeded.toLocaleString('en')} seeded`
        : `create ${n.toLocaleString('en')} users`,
    setup: !selected(options.only, 'W1'),
    plan: {
      total: creates,
      request: (index) => ({ method: 'POST', path: USERS, body: entraCreateUser(seeded + index) }),
      check: (index, status, body) => {
        if (status !== 201) return `status ${status}, expected 201`;
        const id = parseJson(body)?.id;
        if (typeof id !== 'string') return 'no id in the created user';
        ids[seeded + index] = id;
        return undefined;
      },
    },
  });
  if (w1.failed > 0 || w1.succeeded < creates) {
    throw new WorkloadAbort(
      `W1 created ${w1.succeeded} of ${creates} users; the other workloads need all of them`,
    );
  }

  if (selected(options.only, 'W2')) {
    const random = seededRandom(2);
    const picks = Array.from({ length: options.lookups }, () => Math.floor(random() * n));
    await run({
      key: 'W2',
      label: `userName eq lookup (random of ${n.toLocaleString('en')})`,
      plan: {
        total: options.lookups,
        request: (index) => ({ method: 'GET', path: userNameFilterPath(benchUserName(picks[index]!)) }),
        check: (index, _status, body) => {
          const answer = parseJson(body);
          const found = (answer?.Resources as Array<{ id?: unknown }> | undefined)?.[0]?.id;
          if (answer?.totalResults !== 1) return `totalResults ${String(answer?.totalResults)}, expected 1`;
          return found === ids[picks[index]!] ? undefined : 'found a different user';
        },
      },
    });
  }

  if (selected(options.only, 'W3')) await runMembershipWorkloads(context, options, ids, run);

  if (selected(options.only, 'W4')) {
    const totals = await single(context, 'count users', { method: 'GET', path: `${USERS}?count=0` });
    const total = Number(totals.totalResults);
    if (!Number.isInteger(total) || total < n) {
      throw new WorkloadAbort(
        `GET /Users?count=0 says totalResults ${String(totals.totalResults)}, expected ≥ ${n}`,
      );
    }
    const pages = Math.ceil(total / 100);
    const sweeps = Math.max(1, Math.ceil(options.sweepPages / pages));
    // Each sweep must see every user exactly once (pages are full, so `total` distinct ids).
    // A sweep with a failed page is already counted as failed and is not judged again here.
    const seen = Array.from({ length: sweeps }, () => new Set<string>());
    const fullPages = new Array<number>(sweeps).fill(0);
    const w4 = await run({
      key: 'W4',
      label: `full sweep${sweeps > 1 ? ` ×${sweeps}` : ''}, ${pages.toLocaleString('en')} pages of 100`,
      plan: {
        total: pages * sweeps,
        request: (index) => ({
          method: 'GET',
          path: `${USERS}?startIndex=${(index % pages) * 100 + 1}&count=100`,
        }),
        check: (index, _status, body) => {
          const page = index % pages;
          const resources = parseJson(body)?.Resources as Array<{ id?: unknown }> | undefined;
          const expected = Math.min(100, total - page * 100);
          if (!Array.isArray(resources) || resources.length !== expected) {
            return `page ${page + 1} has ${resources?.length ?? 'no'} resources, expected ${expected}`;
          }
          const sweep = Math.floor(index / pages);
          fullPages[sweep]!++;
          for (const resource of resources)
            if (typeof resource.id === 'string') seen[sweep]!.add(resource.id);
          return undefined;
        },
      },
    });
    seen.forEach((sweep, i) => {
      if (fullPages[i] === pages && sweep.size !== total) {
        w4.problems.push(
          `sweep ${i + 1} returned ${sweep.size} distinct users of ${total}: paging skips or repeats users`,
        );
      }
    });
  }

  if (selected(options.only, 'W5')) {
    const count = Math.min(n, options.deactivations ?? n);
    const order = deactivationOrder(n, count, options.scatterDeactivations === true);
    const scattered = options.scatterDeactivations ? ', scattered' : '';
    await run({
      key: 'W5',
      label:
        count < n
          ? `PATCH active=false, ${count.toLocaleString('en')} of ${n.toLocaleString('en')} users${scattered}`
          : `PATCH active=false, all ${n.toLocaleString('en')} users${scattered}`,
      plan: {
        total: count,
        request: (index) => ({
          method: 'PATCH',
          path: `${USERS}/${ids[order[index]!]}`,
          body: entraDeactivate(),
        }),
      },
    });
  }

  if (selected(options.only, 'W6')) {
    // Substring filters use no index: each lookup reads every member row. A value that
    // matches one user is the costly case (a dense one fills its page early and its count
    // stops at SUBSTRING_MATCH_LIMIT, src/storage/list-query.ts).
    const random = seededRandom(6);
    const picks = Array.from({ length: options.lookups }, () => Math.floor(random() * n));
    const needle = (index: number) => `user${picks[index]!}@`;
    await run({
      key: 'W6',
      label: `userName co lookup, ${SUBSTRING_CONNECTIONS} connections (random of ${n.toLocaleString('en')})`,
      concurrency: SUBSTRING_CONNECTIONS,
      plan: {
        total: options.lookups,
        request: (index) => ({
          method: 'GET',
          path: `${USERS}?filter=${encodeURIComponent(`userName co "${needle(index)}"`)}`,
        }),
        check: (index, _status, body) => {
          const answer = parseJson(body);
          if (answer?.totalResults !== 1) return `totalResults ${String(answer?.totalResults)}, expected 1`;
          const found = (answer.Resources as Array<{ id?: unknown }> | undefined)?.[0]?.id;
          return found === ids[picks[index]!] ? undefined : 'found a different user';
        },
      },
    });
  }
}

async function runMembershipWorkloads(
  context: MeasureContext,
  options: SuiteOptions,
  ids: readonly string[],
  run: (spec: Parameters<typeof measure>[1]) => Promise<Measurement>,
): Promise<void> {
  const n = ids.length;
  const bigSize = Math.min(n, options.bigGroupSize);
  const bigLabel = bigSize.toLocaleString('en');

  const small = await single(context, 'create the small group', {
    method: 'POST',
    path: GROUPS,
    body: createGroup('Bench small group', ids.slice(0, SMALL_GROUP_SIZE)),
  });
  const smallGroup = `${GROUPS}/${idOf(small, 'create the small group')}`;
  const big = await single(context, 'create the big group', {
    method: 'POST',
    path: GROUPS,
    body: createGroup('Bench big group', []),
  });
  const bigGroup = `${GROUPS}/${idOf(big, 'create the big group')}`;

  const buildRequests = Math.ceil(bigSize / options.buildBatchSize);
  const display = (id: string, index: number) => ({ id, display: benchUserName(index) });
  await run({
    key: 'W3-build',
    label: `build the big group: ${bigLabel} members, ${options.buildBatchSize} per PATCH`,
    setup: true,
    unitsPerRequest: { unit: 'members/s', count: options.buildBatchSize },
    plan: {
      total: buildRequests,
      request: (index) => {
        const from = index * options.buildBatchSize;
        const to = Math.min(bigSize, from + options.buildBatchSize);
        const members = ids.slice(from, to).map((id, offset) => display(id, from + offset));
        return { method: 'PATCH', path: bigGroup, body: oktaAddMembers(members) };
      },
    },
  });

  // Members that are not in the small group, to add and remove again.
  const outsiders = ids.slice(SMALL_GROUP_SIZE);
  if (outsiders.length === 0) throw new WorkloadAbort(`W3 needs more than ${SMALL_GROUP_SIZE} users`);
  const outsider = (k: number) => outsiders[k % outsiders.length]!;
  const insider = (k: number) => ids[k % bigSize]!;

  if (selected(options.only, 'W3a')) {
    // Small group: add a member, then remove it again (Entra E16, E17).
    await run({
      key: 'W3a-small',
      label: `one member per PATCH, group of ${SMALL_GROUP_SIZE}`,
      plan: {
        total: options.memberRequests,
        request: (index) => {
          const member = outsider(index >> 1);
          const body = index % 2 === 0 ? entraAddMember(member) : entraRemoveMember(member);
          return { method: 'PATCH', path: smallGroup, body };
        },
      },
    });
    // Big group: remove a member, then add it back.
    await run({
      key: 'W3a-big',
      label: `one member per PATCH, group of ${bigLabel}`,
      plan: {
        total: options.memberRequests,
        request: (index) => {
          const member = insider(index >> 1);
          const body = index % 2 === 0 ? entraRemoveMember(member) : entraAddMember(member);
          return { method: 'PATCH', path: bigGroup, body };
        },
      },
    });
  }

  if (selected(options.only, 'W3b')) {
    const size = options.batchSize;
    const batch = (pick: (k: number) => string, batchIndex: number) =>
      Array.from({ length: size }, (_, k) => {
        const position = batchIndex * size + k;
        return { id: pick(position), display: `member ${position}` };
      });
    await run({
      key: 'W3b-small',
      label: `${size} members per PATCH, group of ${SMALL_GROUP_SIZE}`,
      unitsPerRequest: { unit: 'members/s', count: size },
      plan: {
        total: options.batchRequests,
        request: (index) => {
          const members = batch(outsider, index >> 1);
          const body =
            index % 2 === 0 ? oktaAddMembers(members) : oktaRemoveMembers(members.map((member) => member.id));
          return { method: 'PATCH', path: smallGroup, body };
        },
      },
    });
    await run({
      key: 'W3b-big',
      label: `${size} members per PATCH, group of ${bigLabel}`,
      unitsPerRequest: { unit: 'members/s', count: size },
      plan: {
        total: options.batchRequests,
        request: (index) => {
          const members = batch(insider, index >> 1);
          const body =
            index % 2 === 0 ? oktaRemoveMembers(members.map((member) => member.id)) : oktaAddMembers(members);
          return { method: 'PATCH', path: bigGroup, body };
        },
      },
    });
  }
}
