// A stateless pg Pool so several servers share one database; a transaction's calls use its client.
import pg from 'pg';
import { type Store, type StoreOps, UniqueViolation } from '../../account/store.ts';
import { numbered, postgresDialect } from '../dialect.ts';
import { ListPlanner } from '../list-query.ts';
import { migrations } from '../migrations/index.ts';
import { type Row, uniqueFieldOf } from '../rows.ts';
import { refuseNewerSchema } from '../schema-version.ts';
import { type SqlExecutor, sqlOps } from '../sql-ops.ts';

type Client = pg.Pool | pg.PoolClient;

// Fixed statements are named (parsed once per connection); generated list shapes are open-ended.
class StatementNames {
  private readonly names = new Map<string, { name: string; text: string }>();
  named(sql: string): { name: string; text: string } {
    let entry = this.names.get(sql);
    if (!entry) {
      entry = { name: `scimbridge_${this.names.size + 1}`, text: sql.includes('?') ? numbered(sql) : sql };
      this.names.set(sql, entry);
    }
    return entry;
  }
}

class PostgresExecutor implements SqlExecutor {
  constructor(
    private readonly client: Client,
    private readonly names: StatementNames,
  ) {}

  /** Turns a unique-index failure into the domain's UniqueViolation. */
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === '23505') throw new UniqueViolation(uniqueFieldOf(constraint ?? ''));
      throw error;
    }
  }

  private named(sql: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    return this.guard(() => this.client.query<Row>({ ...this.names.named(sql), values }));
  }

  async one(sql: string, values: unknown[]): Promise<Row | undefined> {
    return (await this.named(sql, values)).rows[0];
  }

  async many(sql: string, values: unknown[]): Promise<Row[]> {
    return (await this.named(sql, values)).rows;
  }

  async run(sql: string, values: unknown[]): Promise<number> {
    return (await this.named(sql, values)).rowCount ?? 0;
  }

  async table(sql: string, values: unknown[]): Promise<{ names: readonly string[]; rows: unknown[][] }> {
    const result = await this.guard(() =>
      this.client.query<unknown[]>({ text: sql, values, rowMode: 'array' }),
    );
    return { names: result.fields.map((field) => field.name), rows: result.rows };
  }
}

/** One key for every scimbridge migration run on a database, whatever the schema. */
const MIGRATION_LOCK = "hashtext('scimbridge.migrations')";

async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    // Servers starting at once: one migrates under the lock, the rest find the versions recorded.
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)',
      );
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      refuseNewerSchema(applied, migrations.length);
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.postgres);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, new Date().toISOString()],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
    }
  } finally {
    client.release();
  }
}

/** With `schema`, every pooled connection uses it (created when missing): tests' private databases. */
export async function openPostgresStore(opts: {
  connectionString: string;
  schema?: string;
  poolSize?: number;
}): Promise<Store> {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) {
    throw new Error(`schema must be a lower-case SQL identifier, got ${JSON.stringify(opts.schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  try {
    await migrate(pool, opts.schema);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const names = new StatementNames();
  const planner = new ListPlanner(postgresDialect);
  const opsOn = (client: Client) => sqlOps(new PostgresExecutor(client, names), postgresDialect, planner);
  const poolOps = opsOn(pool);
  async function transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(opsOn(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  const leadership = new Leadership(opts.connectionString, opts.schema);
  return {
    ...poolOps,
    dialect: 'postgres',
    transaction,
    tryLead: (name) => leadership.tryLead(name),
    close: async () => {
      await leadership.close();
      await pool.end();
    },
  };
}

// Leadership is a session advisory lock on its own connection, freed when the leader dies; keyed
// by schema. A transaction-mode pooler cannot hold session locks: connect directly.
class Leadership {
  private readonly clients = new Map<string, pg.Client>();

  constructor(
    private readonly connectionString: string,
    private readonly schema: string | undefined,
  ) {}

  async tryLead(name: string): Promise<boolean> {
    const held = this.clients.get(name);
    if (held) {
      try {
        // Still connected means still held: the lock lives as long as the session.
        await held.query('SELECT 1');
        return true;
      } catch {
        this.clients.delete(name);
        await held.end().catch(() => {});
      }
    }
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: 5000,
      ...(this.schema ? { options: `-c search_path=${this.schema}` } : {}),
    });
    client.on('error', () => this.clients.delete(name));
    try {
      await client.connect();
      const { rows } = await client.query<{ led: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('scimbridge.lead.' || current_schema() || '.' || $1)) AS led",
        [name],
      );
      if (rows[0]?.led === true) {
        this.clients.set(name, client);
        return true;
      }
    } catch {
      // Not reachable now: not leading; the next ask tries again.
    }
    await client.end().catch(() => {});
    return false;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map((client) => client.end()));
  }
}
