import { openPostgresBackend } from './postgres-backend';
import { openSqliteBackend } from './sqlite-backend';
import { SCHEMA_VERSION, schemaVersion } from './migrations';
import { parseStoreUrl } from './store-url';
import { TrackingStore } from './tracking-store';
import type { Backend } from './backend';
import type { Store } from './types';

export interface OpenStoreOptions {
  /** Open for reading only (the dashboard): no migrations, and writes throw. */
  readonly?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/**
 * Opens the tracking store at `url`: `{ home }` (→ `<home>/tunelab.db`), `sqlite:<path>`, a file path, or
 * `postgres://…[?schema=name]`. A writer migrates the schema first; a reader checks that one exists.
 */
export async function openStore(url: string | { home: string }, opts: OpenStoreOptions = {}): Promise<Store> {
  const readonly = opts.readonly ?? false;
  const loc = parseStoreUrl(url);
  const backend: Backend =
    loc.kind === 'sqlite'
      ? openSqliteBackend(loc.path, { readonly, memory: loc.memory })
      : await openPostgresBackend(loc.connectionString, {
          schema: loc.schema,
          readonly,
          display: loc.display,
          poolSize: opts.poolSize,
        });
  const store = new TrackingStore(backend);
  try {
    if (!readonly) {
      await store.migrate();
    } else {
      const version = await schemaVersion(backend.db);
      if (version === 0) throw new Error(`No tunelab tables at ${backend.info.location}: open it once as a writer first`);
      if (version > SCHEMA_VERSION) {
        throw new Error(`The store's schema is version ${version}, newer than this tunelab knows (${SCHEMA_VERSION}); upgrade tunelab`);
      }
    }
  } catch (err) {
    await backend.destroy();
    throw err;
  }
  return store;
}
