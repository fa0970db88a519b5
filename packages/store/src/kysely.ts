/**
 * Kysely, loaded once for the whole package with `require` (its CommonJS build) rather than `import`: the ESM
 * build is ~300 small modules, and under tsx (every `tunelab` process) each one crosses the loader's hooks
 * thread. Measured here: 520–700 ms as `import` under tsx, ~185 ms through this file, paid by every
 * command that opens a store (`sweep list`, `sweep status`, the dashboard, the sweeper). Every value import of
 * kysely in this package goes through this file, so there is one Kysely instance; `import type` from 'kysely'
 * is free and stays as it is.
 */
import { createRequire } from 'node:module';
import type * as KyselyModule from 'kysely';

function loadKysely(): typeof KyselyModule {
  const load = createRequire(import.meta.url);
  const sourceMaps = process.sourceMapsEnabled;
  if (sourceMaps) process.setSourceMapsEnabled(false);
  try {
    return load('kysely') as typeof KyselyModule;
  } finally {
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
}

const kysely = loadKysely();

// Each value also names its type (a value and a type may share a name), as `import { Kysely } from 'kysely'` does.
export const Kysely = kysely.Kysely;
export type Kysely<DB> = KyselyModule.Kysely<DB>;
export const CompiledQuery = kysely.CompiledQuery;
export type CompiledQuery<O = unknown> = KyselyModule.CompiledQuery<O>;
export const SqliteDialect = kysely.SqliteDialect;
export const SqliteDriver = kysely.SqliteDriver;
export type SqliteDriver = KyselyModule.SqliteDriver;
export const PostgresDialect = kysely.PostgresDialect;
export const sql = kysely.sql;
