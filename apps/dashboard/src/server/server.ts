import type { FastifyInstance } from 'fastify';
import { resolveHome } from '@tunelab/config';
import { openStore, type Store } from '@tunelab/store';
import { buildApp, type DashboardOptions } from './app';
import { checkpointCacheOf } from '../checkpoint-files';
import { beyondLoopback, parseAllowedHosts } from './guard';

export interface ServeOptions {
  /** Default 127.0.0.1: the dashboard can write samples and promote, so it is not exposed unless asked. */
  host?: string;
  /** Default 4300; 0 picks a free port. */
  port?: number;
  /** The tunelab home folder (default: TUNELAB_HOME, else .tunelab at the workspace root). */
  home?: string;
  /** A store URL; default `<home>/tunelab.db`. */
  store?: string;
  /**
   * More names a request's Host may give (`--allowed-hosts`: `name` for any port, `name:port`), e.g. the
   * name of a reverse proxy. Without them only the bound names answer: the listen address, localhost,
   * 127.0.0.1 and [::1] with the port; every other Host gets 421.
   */
  allowedHosts?: readonly string[];
  /** Log requests to stderr. */
  log?: boolean;
  /** Where the warning about a non-loopback --host goes (default stderr). */
  warn?: (line: string) => void;
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
  const host = opts.host ?? DEFAULT_HOST;
  parseAllowedHosts(opts.allowedHosts ?? []); // a bad name fails before the store is opened
  const home = resolveHome(opts.home);
  const url = opts.store ?? { home };
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
    {
      reader,
      writer: openWriter,
      uiDir: opts.uiDir,
      listenHost: host,
      allowedHosts: opts.allowedHosts,
      checkpointCache: checkpointCacheOf(home),
      ...opts.overrides,
    },
    { logger: opts.log ? { level: 'info' } : false },
  );
  const address = await app.listen({ host, port: opts.port ?? DEFAULT_PORT });
  if (beyondLoopback(host)) {
    const warn = opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
    const port = new URL(address).port;
    warn(
      [
        `dashboard: WARNING: listening on ${host}:${port}, beyond this machine's loopback. Anyone who can reach it can read every`,
        'dashboard: sweep and checkpoint, generate tunes and promote checkpoints: there is no login. Only requests whose Host is',
        `dashboard: one of this machine's addresses${opts.allowedHosts?.length ? ` or ${opts.allowedHosts.join(', ')}` : ''} are answered (--allowed-hosts adds names);`,
        'dashboard: use --host 127.0.0.1 (the default) and an SSH tunnel unless the network is yours.',
      ].join('\n'),
    );
  }
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
