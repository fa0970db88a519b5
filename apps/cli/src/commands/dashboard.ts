import type { Command } from 'commander';
import { DASHBOARD_HOST, DASHBOARD_PORT } from '../defaults';
import * as lazy from '../lazy';
import { log, UsageError } from '../output';

interface DashboardFlags {
  home?: string;
  store?: string;
  host: string;
  port: string;
  allowedHosts?: string[];
  log?: boolean;
}

/** `--allowed-hosts a.example,b.lan:8080`, repeatable. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** `tunelab dashboard`: the same server as `npx nx run dashboard:serve`, until Ctrl-C. */
export function registerDashboardCommands(program: Command): void {
  program
    .command('dashboard')
    .description('Serve the dashboard: compare runs, hear any checkpoint, promote the best (API docs at /docs)')
    .option('--home <dir>', 'tunelab home folder (default: TUNELAB_HOME, else .tunelab at the workspace root)')
    .option('--store <url>', 'store URL: a SQLite file, sqlite:<path> or postgres://… (default: <home>/tunelab.db)')
    .option('--host <host>', 'address to listen on (beyond loopback, e.g. 0.0.0.0, the API is open to the network: it warns)', DASHBOARD_HOST)
    .option('--port <port>', 'port to listen on (0 = any free port)', String(DASHBOARD_PORT))
    .option(
      '--allowed-hosts <names>',
      'more names requests may give in Host (comma-separated, repeatable; `name` for any port or `name:port`), e.g. a reverse proxy; other names get 421',
      collect,
    )
    .option('--log', 'log requests to stderr')
    .action(async (flags: DashboardFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number, but got ${JSON.stringify(flags.port)}`);
      const { buildUi, startDashboard } = await lazy.dashboard();
      if (await buildUi()) log('dashboard: built the UI');
      const running = await startDashboard({ home: flags.home, store: flags.store, host: flags.host, port, allowedHosts: flags.allowedHosts, log: flags.log });
      log(`dashboard: ${running.url} (API docs at ${running.url}/docs); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
    });
}
