import { sql } from './kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from './backend';
import { MIGRATIONS, runMigrations, schemaVersion, type Migration } from './migrations';
import { openSqliteBackend } from './sqlite-backend';

describe('runMigrations', () => {
  let backend: Backend;
  afterEach(async () => backend.destroy());

  const tables = async () =>
    (await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(backend.db)).rows.map(
      (r) => r.name,
    );

  it('applies each migration once', async () => {
    backend = openSqliteBackend(':memory:', { readonly: false, memory: true });
    expect(await schemaVersion(backend.db)).toBe(0);
    expect(await runMigrations(backend.db, 'sqlite')).toEqual({ applied: [1, 2, 3], version: 3 });
    expect(await runMigrations(backend.db, 'sqlite')).toEqual({ applied: [], version: 3 });
    expect(await tables()).toEqual(
      ['aliases', 'checkpoint_files', 'checkpoints', 'human_tunes', 'metrics', 'samples', 'sweeps', 'trials', 'tunelab_migrations', 'votes'],
    );
  });

  it('leaves the previous version intact when a migration fails', async () => {
    backend = openSqliteBackend(':memory:', { readonly: false, memory: true });
    await runMigrations(backend.db, 'sqlite');
    const broken: Migration = {
      version: 4,
      name: 'half done',
      async up(db) {
        await db.schema.createTable('half').addColumn('x', 'integer').execute();
        throw new Error('disk full');
      },
    };
    await expect(runMigrations(backend.db, 'sqlite', [...MIGRATIONS, broken])).rejects.toThrow('disk full');
    expect(await schemaVersion(backend.db)).toBe(3);
    expect(await tables()).not.toContain('half');
  });

  it('refuses a store written by a newer tunelab', async () => {
    backend = openSqliteBackend(':memory:', { readonly: false, memory: true });
    const future: Migration = { version: 4, name: 'future', async up() {} };
    await runMigrations(backend.db, 'sqlite', [...MIGRATIONS, future]);
    await expect(runMigrations(backend.db, 'sqlite')).rejects.toThrow(/version 4, newer than this tunelab knows \(3\)/);
  });
});
