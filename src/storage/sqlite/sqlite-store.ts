// One synchronous better-sqlite3 connection; a transaction's `work` may await, so a mutex
// keeps every call through the store out until it ends: inside, `work` uses its `tx` ops.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Group, Member } from '../../account/model.ts';
import { type Store, type StoreOps, UniqueViolation } from '../../account/store.ts';
import { sqliteDialect } from '../dialect.ts';
import { ListPlanner } from '../list-query.ts';
import { migrations } from '../migrations/index.ts';
import { aroundEveryCall } from '../routing.ts';
import { append, GROUP_COLUMNS, groupValues, MEMBER, type Row, uniqueFieldOf } from '../rows.ts';
import { refuseNewerSchema } from '../schema-version.ts';
import { type Awaitable, rowOf, type SqlExecutor, sqlOps } from '../sql-ops.ts';
import { SQL } from '../statements.ts';

/** Statements prepared once per SQL text; filtered lists add one entry per query shape. */
const STATEMENT_CACHE_LIMIT = 2000;

interface Query {
  statement: Database.Statement<unknown[], unknown[]>;
  names: string[];
}

/** SQLite binds no booleans: true/false become 1/0 (in place; the arrays are fresh). */
function bind(values: unknown[]): unknown[] {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'boolean') values[i] = value ? 1 : 0;
  }
  return values;
}

// Failures come back as rejected promises, as they would from an async method.
function attempt<T>(run: () => T): Awaitable<T> {
  try {
    return run();
  } catch (error) {
    return Promise.reject(error);
  }
}

class SqliteExecutor implements SqlExecutor {
  private readonly queries = new Map<string, Query>();

  constructor(private readonly db: Database.Database) {}

  // Readers answer raw array rows, made into objects here: half the cost of better-sqlite3's objects.
  private query(sql: string): Query {
    let query = this.queries.get(sql);
    if (!query) {
      if (this.queries.size >= STATEMENT_CACHE_LIMIT) this.queries.clear();
      const statement = this.db.prepare<unknown[], unknown[]>(sql);
      const names = statement.reader
        ? statement
            .raw(true)
            .columns()
            .map((column) => column.name)
        : [];
      query = { statement, names };
      this.queries.set(sql, query);
    }
    return query;
  }

  /** Runs a statement without parameters (transaction control). */
  exec(sql: string): void {
    this.query(sql).statement.run();
  }

  one(sql: string, params: unknown[]): Awaitable<Row | undefined> {
    return attempt(() => {
      const { statement, names } = this.query(sql);
      const values = statement.get(...bind(params));
      return values && rowOf(names, values);
    });
  }

  many(sql: string, params: unknown[]): Awaitable<Row[]> {
    return attempt(() => this.rows(sql, params));
  }

  /** `many` for SQLite's own pieces, which run inside the store's synchronous code. */
  rows(sql: string, params: unknown[]): Row[] {
    const { statement, names } = this.query(sql);
    const rows = statement.all(...bind(params));
    const objects: Row[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) objects[i] = rowOf(names, rows[i]!);
    return objects;
  }

  /** Rows as arrays of values in the statement's column order, for SQLite's own pieces. */
  arrays(sql: string, params: unknown[]): unknown[][] {
    return this.query(sql).statement.all(...bind(params));
  }

  table(sql: string, params: unknown[]): Awaitable<{ names: readonly string[]; rows: unknown[][] }> {
    return attempt(() => {
      const { statement, names } = this.query(sql);
      return { names, rows: statement.all(...params) };
    });
  }

  run(sql: string, params: unknown[]): Awaitable<number> {
    return attempt(() => this.write(sql, params));
  }

  /** Rows changed; a unique-index failure throws the domain's UniqueViolation. */
  write(sql: string, params: unknown[]): number {
    try {
      return this.query(sql).statement.run(...bind(params)).changes;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new UniqueViolation(uniqueFieldOf((error as Error).message));
      }
      throw error;
    }
  }
}

// A page's groups: the memberships' (member, group) ids as one JSON text, then each distinct
// group once. Row by row, better-sqlite3 makes an array and two strings per membership, which
// cost twice what SQLite's walk of the index does; a join would return each group's row once
// per member. `n`: the index entries read, so that a LIMIT reached tells a range too sparse.
// `pairsFilter` and `groupCondition` narrow the statements to what SCIM shows (below).
function groupsOfMembersSql(pairsFilter: string, groupCondition: string) {
  const pairs = `count(*) AS n, json_group_array(json_array(member_id, group_id))${pairsFilter} AS pairs`;
  return {
    ofMember:
      'SELECT g.id, g.display_name, g.managed, g.seq FROM group_members gm JOIN groups g ON g.id = gm.group_id ' +
      `WHERE gm.member_id = ?${groupCondition}`,
    // v7 ids make a sweep's page one range of the index.
    inRange: `SELECT ${pairs} FROM (SELECT member_id, group_id FROM group_members WHERE member_id >= ? AND member_id <= ? LIMIT ?)`,
    ofMembers: `SELECT ${pairs} FROM group_members WHERE member_id IN (SELECT value FROM json_each(?))`,
    groupsByIds: `SELECT id, display_name, managed, seq FROM groups WHERE id IN (SELECT value FROM json_each(?))${groupCondition}`,
  };
}
export const MEMBERSHIPS_SQL = groupsOfMembersSql('', '');
// SCIM's `groups` shows managed groups only; Team Members (every member, never managed) is left
// out before the pairs are written. `IS NOT`: an account without it keeps every row.
const NOT_TEAM_MEMBERS = "group_id IS NOT (SELECT id FROM groups WHERE kind = 'team_members' LIMIT 1)";
export const MANAGED_GROUPS_SQL = groupsOfMembersSql(
  ` FILTER (WHERE ${NOT_TEAM_MEMBERS})`,
  ' AND managed = TRUE',
);

type MemberGroup = { id: string; displayName: string; managed: boolean };
/** A group as read: its fields, then its `seq` (creation order). */
type GroupRow = [id: string, displayName: string, managed: number, seq: number];

/** Memberships read per member asked for, at most, before a range read gives way to seeks. */
const RANGE_ROWS_PER_MEMBER = 8;
// Any UTF-16 unit above 0x7f (the same as [^\x00-\x7f], without a control character in the pattern).
const NOT_ASCII = /[\u0080-\uffff]/;

const memberGroupOf = ([id, displayName, managed]: GroupRow): MemberGroup => ({
  id,
  displayName,
  managed: managed === 1,
});

/** `[first, last]` of ids to read as one range of an index, or undefined when they are not all ASCII. */
function idRange(memberIds: readonly string[]): [string, string] | undefined {
  let first = memberIds[0]!;
  let last = first;
  for (const id of memberIds) {
    // JavaScript orders strings by UTF-16 units, SQLite by UTF-8 bytes: the same for ASCII only.
    if (NOT_ASCII.test(id)) return undefined;
    if (id < first) first = id;
    else if (id > last) last = id;
  }
  return [first, last];
}

type Pair = [memberId: string, groupId: string];

/**
 * Each member's groups in creation order, members in id order. `pairs` may hold members not
 * asked for (a range holds whoever sorts between them); `groups` are the rows of the groups to
 * show. Members of one group share its entry, as the page shares the group.
 */
function byMember(
  memberIds: readonly string[],
  pairs: Pair[],
  groups: GroupRow[],
): Map<string, MemberGroup[]> {
  const entries = new Map(groups.map((row) => [row[0], { seq: row[3], group: memberGroupOf(row) }]));
  const wanted = new Set(memberIds);
  const entriesOf = new Map<string, Array<{ seq: number; group: MemberGroup }>>();
  for (const [memberId, groupId] of pairs) {
    const entry = entries.get(groupId);
    if (entry !== undefined && wanted.has(memberId)) append(entriesOf, memberId, entry);
  }
  const result = new Map<string, MemberGroup[]>();
  for (const memberId of [...entriesOf.keys()].sort()) {
    const inCreationOrder = entriesOf.get(memberId)!.sort((a, b) => a.seq - b.seq);
    result.set(
      memberId,
      inCreationOrder.map((entry) => entry.group),
    );
  }
  return result;
}

/** The distinct group ids of the pairs, as a JSON array for `json_each`. */
function groupIdsOf(pairs: Pair[]): string {
  const ids = new Set<string>();
  for (const pair of pairs) ids.add(pair[1]);
  return JSON.stringify([...ids]);
}

const columnList = (columns: string): string[] => columns.split(',').map((column) => column.trim());
interface UpdateTarget {
  table: string;
  /** In the order of the row's values; the first is the id. */
  columns: readonly string[];
  select: string;
}
const MEMBER_UPDATE: UpdateTarget = {
  table: 'members',
  columns: columnList(MEMBER.columns),
  select: SQL.getMember,
};
const GROUP_UPDATE: UpdateTarget = {
  table: 'groups',
  columns: columnList(GROUP_COLUMNS),
  select: SQL.getGroup,
};

function sqliteOps(x: SqliteExecutor): StoreOps {
  // Sets only changed columns: SQLite rewrites every index named in SET, equal value or not.
  function updateChanged(
    target: UpdateTarget,
    values: unknown[],
    expectedVersion: number,
    previous?: unknown[],
  ): boolean {
    const id = values[0];
    let stored: (i: number) => unknown;
    if (previous !== undefined) {
      // The caller's copy at this version; the version guard below still refuses a stale one.
      stored = (i) => previous[i];
    } else {
      const current = x.rows(target.select, [id])[0];
      if (current === undefined || current.version !== expectedVersion) return false;
      stored = (i) => current[target.columns[i]!];
    }
    const changed: string[] = [];
    const params: unknown[] = [];
    for (let i = 1; i < values.length; i++) {
      const column = target.columns[i]!;
      if (stored(i) !== values[i]) {
        changed.push(column);
        params.push(values[i]);
      }
    }
    if (changed.length === 0) {
      if (previous === undefined) return true;
      // Unread, the row must still be shown to exist at this version.
      changed.push('version');
      params.push(expectedVersion);
    }
    params.push(id, expectedVersion);
    const sql = `UPDATE ${target.table} SET ${changed.map((column) => `${column} = ?`).join(', ')} WHERE id = ? AND version = ?`;
    return x.write(sql, params) === 1;
  }

  /** The (member, group) pairs of these members: a dense range of the index is read whole. */
  function membershipsOf(sql: typeof MEMBERSHIPS_SQL, memberIds: readonly string[]): Pair[] {
    const range = idRange(memberIds);
    if (range !== undefined) {
      const cap = memberIds.length * RANGE_ROWS_PER_MEMBER;
      const [entries, pairs] = x.arrays(sql.inRange, [...range, cap])[0] as [number, string];
      if (entries < cap) return JSON.parse(pairs) as Pair[];
    }
    return JSON.parse(x.arrays(sql.ofMembers, [JSON.stringify(memberIds)])[0]![1] as string) as Pair[];
  }

  return {
    ...sqlOps(x, sqliteDialect, new ListPlanner(sqliteDialect)),
    updateMember: async (member: Member, version: number, previous?: Member) =>
      updateChanged(
        MEMBER_UPDATE,
        bind(MEMBER.values(member)),
        version,
        previous?.id === member.id && previous.version === version
          ? bind(MEMBER.values(previous))
          : undefined,
      ),
    updateGroup: async (group: Group, version: number) =>
      updateChanged(GROUP_UPDATE, bind(groupValues(group)), version),
    async listGroupsOfMembers(memberIds, options) {
      const sql = options?.managedOnly ? MANAGED_GROUPS_SQL : MEMBERSHIPS_SQL;
      if (memberIds.length === 1) {
        // In the order the groups were created (`seq`), as both stores list them.
        const rows = (x.arrays(sql.ofMember, [memberIds[0]]) as GroupRow[]).sort((a, b) => a[3] - b[3]);
        return new Map(rows.length > 0 ? [[memberIds[0]!, rows.map(memberGroupOf)]] : []);
      }
      if (memberIds.length === 0) return new Map();
      const pairs = membershipsOf(sql, memberIds);
      if (pairs.length === 0) return new Map();
      return byMember(memberIds, pairs, x.arrays(sql.groupsByIds, [groupIdsOf(pairs)]) as GroupRow[]);
    },
  };
}

/** A FIFO async mutex: held for the whole of a transaction. */
class Mutex {
  locked = false;
  private readonly waiting: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.locked = false;
  }
}

// Group commit: transactions that come while one is open share its COMMIT (they dirty the same pages);
// nobody hears of a write, or sees it, before its COMMIT is done.
class Batch {
  members = 0;
  resolve!: () => void;
  reject!: (error: unknown) => void;
  /** Settles when the COMMIT is done; marked handled, so a failed batch nobody awaits is no crash. */
  readonly committed = new Promise<void>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
  constructor() {
    this.committed.catch(() => {});
  }
}

/** Transactions per COMMIT at most, so that no request waits long for others. */
const BATCH_LIMIT = 32;

function createStore(db: Database.Database): Store {
  const executor = new SqliteExecutor(db);
  const ops = sqliteOps(executor);
  const mutex = new Mutex();
  let open: Batch | undefined;
  let commitQueued = false;

  // The caller holds the mutex.
  function commitOpen(): void {
    const batch = open;
    if (batch === undefined) return;
    open = undefined;
    try {
      executor.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) executor.exec('ROLLBACK');
      batch.reject(error);
      return;
    }
    batch.resolve();
  }

  /** SQLite rolled the whole transaction back by itself (e.g. disk full): the batch is lost. */
  function abandonOpen(cause: unknown): void {
    const batch = open;
    if (batch === undefined) return;
    open = undefined;
    batch.reject(new Error('the database rolled back a transaction; nothing of it was written', { cause }));
  }

  /**
   * Once a turn of the event loop brought no transaction to join: a busy server's concurrent
   * writers then share one COMMIT. Each COMMIT writes every page its transactions dirtied, and
   * concurrent creates share the pages at the tables' and indexes' ends, so eight creates per
   * COMMIT cost each 14 % less CPU than four (docs/benchmarks.md). A lone writer waits one
   * more turn, which on an idle server is microseconds.
   */
  function queueCommit(): void {
    if (commitQueued) return;
    commitQueued = true;
    let seen = -1;
    // A batch stops growing at BATCH_LIMIT: its last transaction commits it.
    const commitWhenQuiet = () => {
      if (open !== undefined && open.members !== seen) {
        seen = open.members;
        setImmediate(commitWhenQuiet);
        return;
      }
      commitQueued = false;
      void mutex.acquire().then(() => {
        try {
          commitOpen();
        } finally {
          mutex.release();
        }
      });
    };
    setImmediate(commitWhenQuiet);
  }

  // A lone statement may run inside the open batch, but its result waits for that COMMIT.
  async function outside(run: () => Promise<unknown>): Promise<unknown> {
    const pending = run();
    const batch = open;
    const result = await pending;
    if (batch !== undefined) await batch.committed;
    return result;
  }

  // A call through the store waits for a transaction that holds the mutex.
  const routed = aroundEveryCall(ops, async (run) => {
    if (!mutex.locked) return outside(run);
    await mutex.acquire();
    try {
      // The statement runs synchronously in here; waiting for the COMMIT needs no mutex.
      return outside(run);
    } finally {
      mutex.release();
    }
  });

  async function transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    await mutex.acquire();
    // Tracks the mutex, not the transaction: it is let go before the batch's COMMIT.
    let holding = true;
    let batch: Batch;
    let result: T;
    try {
      // Later members of a batch use a savepoint, so a failure takes back only its own writes.
      const joining = open !== undefined;
      if (!joining) {
        executor.exec('BEGIN IMMEDIATE');
        open = new Batch();
        queueCommit();
      } else {
        executor.exec('SAVEPOINT batch_member');
      }
      batch = open!;
      try {
        result = await work(ops);
        if (joining) executor.exec('RELEASE batch_member');
      } catch (error) {
        if (!db.inTransaction) abandonOpen(error);
        else if (joining) {
          executor.exec('ROLLBACK TO batch_member');
          executor.exec('RELEASE batch_member');
        } else {
          executor.exec('ROLLBACK');
          open = undefined;
        }
        throw error;
      }
      batch.members++;
      const committed = batch.committed;
      if (batch.members >= BATCH_LIMIT) commitOpen();
      holding = false;
      mutex.release();
      await committed;
      return result;
    } finally {
      if (holding) mutex.release();
    }
  }

  async function close(): Promise<void> {
    await mutex.acquire();
    try {
      commitOpen();
      if (db.open) db.close();
    } finally {
      mutex.release();
    }
  }

  // One server per SQLite file: it always leads.
  return { ...routed, dialect: 'sqlite', transaction, tryLead: async () => true, close };
}

function migrate(db: Database.Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  refuseNewerSchema(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (row) => row.version,
    ),
    migrations.length,
  );
  for (const migration of migrations) {
    // IMMEDIATE: two processes opening one file apply each migration once.
    db.exec('BEGIN IMMEDIATE');
    try {
      const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (!applied) {
        db.exec(migration.sqlite);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          new Date().toISOString(),
        );
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** Opens (creating if needed) the SQLite database at `path` (or ':memory:') and migrates it. */
export async function openSqliteStore(opts: { path: string }): Promise<Store> {
  const inMemory = opts.path === ':memory:' || opts.path === '';
  if (!inMemory) mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // 8 MiB cache (32 MiB cost 24–28 MiB of RSS at 100,000 members for no CPU measured;
    // docs/benchmarks.md), no mmap: mapped pages count in RSS, so a sweep would grow it by the file size.
    db.pragma('cache_size = -8192');
    db.pragma('mmap_size = 0');
    // Fewer checkpoints copy the hot pages (index tails, counters) and fsync less; WAL keeps durability.
    db.pragma('wal_autocheckpoint = 4000');
    // Statement and savepoint journals in memory: past 64 KiB SQLite spills them to a temporary
    // file created and deleted per transaction, which cost each create ~40 % of its SQL time.
    db.pragma('temp_store = MEMORY');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return createStore(db);
}
