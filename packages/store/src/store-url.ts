import { join, resolve } from 'node:path';
import { InputError } from '@tunelab/config';

/** Where a store lives, parsed from `--store` or `--home`. */
export type StoreLocation =
  | { kind: 'sqlite'; path: string; memory: boolean }
  | { kind: 'postgres'; connectionString: string; schema: string | null; display: string };

/** The database file inside a tunelab home folder. */
export const DB_FILE = 'tunelab.db';

// Lower case only: PostgreSQL folds an unquoted search_path entry to lower case.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parses a store address: `{ home }` (→ `<home>/tunelab.db`), `sqlite:<path>`, `sqlite::memory:`, a plain
 * file path, or `postgres://…` / `postgresql://…` with an optional `?schema=name`.
 */
export function parseStoreUrl(url: string | { home: string }): StoreLocation {
  if (typeof url !== 'string') return { kind: 'sqlite', path: resolve(join(url.home, DB_FILE)), memory: false };
  const text = url.trim();
  if (text === '') throw new InputError('Expected a store URL or path, but got an empty string', '--store');
  if (/^postgres(ql)?:\/\//i.test(text)) return parsePostgres(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !/^sqlite:/i.test(text)) {
    throw new InputError(`Expected sqlite:<path>, a file path or postgres://…, but got ${text}`, '--store');
  }
  let path = text.replace(/^sqlite:(\/\/)?/i, '');
  if (path === ':memory:') return { kind: 'sqlite', path, memory: true };
  if (path === '') throw new InputError(`Expected a file path after sqlite:, but got ${text}`, '--store');
  path = resolve(path);
  return { kind: 'sqlite', path, memory: false };
}

function parsePostgres(text: string): StoreLocation {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new InputError(`Expected a PostgreSQL URL, but got ${text}`, '--store');
  }
  const schema = parsed.searchParams.get('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new InputError(`Expected a schema name of lower-case letters, digits and _, but got ${JSON.stringify(schema)}`, '--store');
  }
  parsed.searchParams.delete('schema');
  const connectionString = parsed.toString();
  const shown = new URL(connectionString);
  if (shown.password) shown.password = '***';
  return { kind: 'postgres', connectionString, schema, display: shown.toString() };
}
