import type { FastifyInstance } from 'fastify';
import { resolveHome } from '@tunelab/config';
import { openStore, type Store } from '@tunelab/store';
import { buildApp, type DashboardOptions } from './app';

export interface ServeOptions {
  /** Default 127.0.0.1: the dashboard can write samples and promote, so it is not exposed unless asked. */
  host?: string;
  /** Default 4300; 0 picks a free port. */
  port?: number;
  /** The tunelab home folder (default: TUNELAB_HOME, else .tunelab at the workspace root). */
  home?: string;
  /** A store URL; default `<home>/tunelab.db`. */
  store?: string;
  /** Log requests to stderr. */
  log?: boolean;
  uiDir?: string | null;
  /** Tests and benches swap the generator or scorer. */
  overrides?: Partial<Omit<DashboardOptions, 'reader' | 'writer'>>;
}

export interface RunningDashboard {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4300;

/**
 * Opens the store (read-only for every GET; a second, writable connection on first sample or promotion,
 * whose short transactions wait on SQLite's busy timeout instead of failing) and serves the dashboard.
 */
export async function startDashboard(opts: ServeOptions = {}): Promise<RunningDashboard> {
  const url = opts.store ?? { home: resolveHome(opts.home) };
  const memory = typeof url === 'string' && /:memory:/.test(url);
  // A store no sweep has opened yet has no tables: create them once as a writer, then read only.
  let writer: Promise<Store> | null = null;
  const openWriter = () => (writer ??= openStore(url));
  let reader: Store;
  try {
    reader = memory ? await openWriter() : await openStore(url, { readonly: true });
  } catch (err) {
    if (!/No tunelab tables|No tunelab store/.test((err as Error).message)) throw err;
    await (await openWriter()).migrate();
    reader = await openStore(url, { readonly: true });
  }
  const app = await buildApp(
    { reader, writer: openWriter, uiDir: opts.uiDir, ...opts.overrides },
    { logger: opts.log ? { level: 'info' } : false },
  );
  const address = await app.listen({ host: opts.host ?? DEFAULT_HOST, port: opts.port ?? DEFAULT_PORT });
  return {
    app,
    url: address.replace('[::1]', 'localhost'),
    async close() {
      await app.close();
      if (reader !== (await writer)) await reader.close();
      if (writer) await (await writer).close();
    },
  };
}
