/**
 * `npx nx run dashboard:serve [--port P] [--host H] [--allowed-hosts a.example,b.lan:8080] [--home DIR] [--store URL]`: builds the UI when it is
 * missing or older than its sources, then serves the dashboard until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { buildUi } from './ui-build';
import { startDashboard } from './server/server';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    home: { type: 'string' },
    store: { type: 'string' },
    'allowed-hosts': { type: 'string', multiple: true },
    log: { type: 'boolean' },
  },
  allowPositionals: false,
});

try {
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw Object.assign(new Error(`Expected a port number, but got ${values.port}`), { userError: true });
  if (await buildUi()) process.stderr.write('dashboard: built the UI into apps/dashboard/dist\n');
  const running = await startDashboard({ host: values.host, port, home: values.home, store: values.store, allowedHosts: values['allowed-hosts'], log: values.log });
  process.stderr.write(`dashboard: ${running.url} (API docs at ${running.url}/docs)\n`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  const e = err as Error & { userError?: boolean };
  process.stderr.write(`dashboard: ${e.userError ? e.message : (e.stack ?? String(e))}\n`);
  process.exit(1);
}
