import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStoreUrl } from './store-url';

describe('parseStoreUrl', () => {
  it('puts the database inside a home folder', () => {
    expect(parseStoreUrl({ home: '/tmp/h' })).toEqual({ kind: 'sqlite', path: '/tmp/h/tunelab.db', memory: false });
  });

  it('reads sqlite: prefixes and plain paths', () => {
    expect(parseStoreUrl('sqlite:/var/x.db')).toMatchObject({ kind: 'sqlite', path: '/var/x.db' });
    expect(parseStoreUrl('sqlite://rel/x.db')).toMatchObject({ path: resolve('rel/x.db') });
    expect(parseStoreUrl('runs.db')).toMatchObject({ kind: 'sqlite', path: resolve('runs.db') });
    expect(parseStoreUrl('sqlite::memory:')).toMatchObject({ memory: true });
  });

  it('takes the schema out of a PostgreSQL URL and hides the password', () => {
    const loc = parseStoreUrl('postgres://u:secret@db:5432/tunelab?schema=lab&sslmode=disable');
    expect(loc).toMatchObject({ kind: 'postgres', schema: 'lab' });
    if (loc.kind !== 'postgres') throw new Error('expected postgres');
    expect(loc.connectionString).toBe('postgres://u:secret@db:5432/tunelab?sslmode=disable');
    expect(loc.display).not.toContain('secret');
  });

  it('rejects what it cannot open, naming the flag', () => {
    expect(() => parseStoreUrl('mysql://x/y')).toThrow(/--store: Expected sqlite/);
    expect(() => parseStoreUrl('postgres://h/db?schema=bad-name')).toThrow(/schema name/);
    expect(() => parseStoreUrl(' ')).toThrow(/empty/);
  });
});
