/**
 * The one PostgreSQL helper for tests: where the test server is, whether it answers, and fresh schemas that are
 * dropped when the test file ends. Every test that needs PostgreSQL goes through `usePostgres`.
 *
 * The server: TUNELAB_TEST_PG, else the local trust-auth server `postgres://postgres@127.0.0.1:5432/test`.
 * Where it does not answer, the file's PostgreSQL tests skip with a warning; with CI=true the file fails
 * instead, so a broken CI setup can never pass by skipping.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

export const TEST_PG_URL = process.env.TUNELAB_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers at `url`: null when it does, else why not. */
export async function probePostgres(url = TEST_PG_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs one statement (or several, without parameters) on a connection of its own. */
export async function pgAdmin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], url = TEST_PG_URL): Promise<pg.QueryResult<T>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<T>(sql, params);
  } finally {
    await client.end();
  }
}

/** The store URL for `schema` on the server at `base` (`…?schema=name`, or `&schema=name`). */
export function schemaUrl(schema: string, base = TEST_PG_URL): string {
  return `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
}

/** A new schema name, random enough that parallel test runs never meet. */
export function testSchemaName(prefix = 'tunelab_test'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface TestPostgres {
  /** The server's URL (no schema). */
  readonly url: string;
  /** Why the server cannot be reached, or null when it can. */
  readonly unreachable: string | null;
  /** Whether this file's PostgreSQL tests skip: the server is unreachable (never true with CI=true). */
  readonly skip: boolean;
  /** A fresh schema for one test: its name and store URL. It and pg-boss's `<name>_boss` are dropped after the file. */
  schema(prefix?: string): { name: string; url: string };
  /** The store URL of a fresh schema (`schema().url`). */
  freshUrl(prefix?: string): string;
  /** Runs a statement on the server as the admin user (see `pgAdmin`). */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
}

/**
 * Call once at the top of a test file (`const pg = await usePostgres('the distributed sweep tests')`): probes the
 * server and registers an afterAll that drops every schema handed out. `what` names the tests in the skip warning
 * and in the CI failure. Under vitest's default hook order ("stack") this afterAll runs after the file's own,
 * so stores and agents the file closes in its afterAll hooks are gone before their schemas are dropped.
 * @throws Error with CI=true when the server does not answer.
 */
export async function usePostgres(what = 'the PostgreSQL tests'): Promise<TestPostgres> {
  const url = TEST_PG_URL;
  const unreachable = await probePostgres(url);
  if (unreachable && process.env.CI === 'true') {
    throw new Error(`Cannot reach PostgreSQL at ${url} (${unreachable}); CI=true: ${what} may not skip`);
  }
  if (unreachable) console.warn(`Skipping ${what}: cannot reach PostgreSQL at ${url} (${unreachable}). Set TUNELAB_TEST_PG to run them.`);
  const schemas: string[] = [];
  afterAll(async () => {
    if (unreachable) return;
    for (const s of schemas.splice(0)) await pgAdmin(`drop schema if exists "${s}" cascade; drop schema if exists "${s}_boss" cascade`, [], url).catch(() => {});
  });
  const schema = (prefix?: string) => {
    const name = testSchemaName(prefix);
    schemas.push(name);
    return { name, url: schemaUrl(name, url) };
  };
  return {
    url,
    unreachable,
    skip: unreachable !== null,
    schema,
    freshUrl: (prefix) => schema(prefix).url,
    admin: (sql, params = []) => pgAdmin(sql, params, url),
  };
}
