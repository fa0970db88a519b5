/**
 * Dashboard benchmark: a sweep of 200 trials × 3 metrics × 500 epochs (300,000 metric rows) in a SQLite
 * store, served by the real server. Measures the sweep page's API calls over HTTP (target: < 300 ms) and,
 * in headless Chromium, the time from navigation until the trials table and the learning curves are drawn
 * (target: < 1 s).
 *
 *   npm run bench -- dashboard [--json] [--trials 200] [--points 500] [--runs 10] [--no-browser]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildUi, startDashboard } from '@tunelab/dashboard';
import { makeFixture } from '@tunelab/dashboard/testing';

export const description = 'dashboard: sweep-page API time (200 trials × 3 metrics × 500 points) and page-usable time in Chromium';

const CHROMIUM = '/usr/bin/chromium';

interface CallTiming {
  call: string;
  /** Median over runs, milliseconds, wall time of one HTTP request on localhost. */
  medianMs: number;
  maxMs: number;
  bytes: number;
}

export interface DashboardBenchResult {
  bench: 'dashboard';
  load: { avg1: number; cores: number };
  trials: number;
  metrics: number;
  points: number;
  metricRows: number;
  fillSeconds: number;
  /** The calls the sweep page makes on load, each timed alone. */
  calls: CallTiming[];
  /** All of the page's load calls one after another (median over runs): the server's share of a page load. */
  sweepPageApiMs: number;
  targetApiMs: number;
  apiMeetsTarget: boolean;
  /** The heavier call a user makes by ticking every trial: one metric of all trials at ≤300 points each. */
  allTrialsSeriesMs: number;
  /** Navigation → 200 table rows and the curves drawn; first load, then the median of the next loads. */
  pageUsableMs: { first: number; median: number } | null;
  /** Until the hyperparameter charts are drawn too (they draw after the table and curves), median. */
  pageCompleteMs: number | null;
  /**
   * CPU time (Chromium's processes + this server, user + system) from navigation until usable, median: what
   * the load costs regardless of how busy the machine is; on an idle core the page is usable in about this.
   */
  pageCpuMs: number | null;
  targetPageMs: number;
  pageMeetsTarget: boolean | null;
  skipped: string[];
}

/** CPU milliseconds (user + system) of the process whose command line holds `marker` and its descendants. */
function treeCpuMs(marker: string): number | null {
  const procs = new Map<number, { ppid: number; cpu: number; cmd: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      procs.set(Number(name), { ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]), cmd });
    } catch {
      // gone meanwhile
    }
  }
  const roots = [...procs].filter(([, p]) => p.cmd.includes(marker)).map(([pid]) => pid);
  if (roots.length === 0) return null;
  const inTree = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of procs) if (!inTree.has(pid) && inTree.has(p.ppid)) grew = inTree.add(pid) !== undefined;
  }
  let ticks = 0;
  for (const pid of inTree) ticks += procs.get(pid)!.cpu;
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export default async function dashboardBench(args: { json: boolean; argv: string[] }): Promise<DashboardBenchResult> {
  const { values } = parseArgs({
    args: args.argv,
    options: {
      json: { type: 'boolean' },
      trials: { type: 'string', default: '200' },
      points: { type: 'string', default: '500' },
      runs: { type: 'string', default: '10' },
      'no-browser': { type: 'boolean' },
    },
  });
  const trials = Number(values.trials);
  const points = Number(values.points);
  const runs = Number(values.runs);
  const say = (text: string) => (args.json ? process.stderr : process.stdout).write(`${text}\n`);
  const skipped: string[] = [];

  say(`filling a store: ${trials} trials × 3 metrics × ${points} points…`);
  const t0 = performance.now();
  const fixture = await makeFixture({ trials, points, metrics: ['loss', 'val_loss', 'val_accuracy'] });
  const fillSeconds = (performance.now() - t0) / 1000;
  const builtUi = values['no-browser'] ? false : await buildUi();
  if (builtUi) say('built the UI');
  const dashboard = await startDashboard({ home: fixture.home, port: 0 });
  try {
    const base = dashboard.url;
    const sweepId = fixture.sweepId;
    const get = async (path: string) => {
      const start = performance.now();
      const res = await fetch(`${base}${path}`);
      const body = await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: ${res.status} ${Buffer.from(body).toString()}`);
      return { ms: performance.now() - start, bytes: body.byteLength, json: () => JSON.parse(Buffer.from(body).toString()) };
    };
    // The sweep page's first calls, as the UI makes them; the curves are of the best five trials.
    const page = (await get(`/api/sweeps/${sweepId}/trials?sort=best&limit=5`)).json() as { trials: { id: string }[] };
    const best5 = page.trials.map((t) => t.id).join(',');
    const pageCalls = [
      `/api/sweeps/${sweepId}`,
      `/api/sweeps/${sweepId}/trials?sort=number&order=asc&limit=1000`,
      '/api/aliases',
      `/api/sweeps/${sweepId}/series?name=val_loss&trialIds=${best5}&maxPoints=200`,
    ];
    const allSeries = `/api/sweeps/${sweepId}/series?name=val_loss&maxPoints=300`;
    for (const p of [...pageCalls, allSeries]) await get(p); // warm: statements prepared, pages cached
    const per = new Map<string, { ms: number[]; bytes: number }>();
    const totals: number[] = [];
    const allMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      let total = 0;
      for (const p of pageCalls) {
        const { ms, bytes } = await get(p);
        total += ms;
        const e = per.get(p) ?? { ms: [], bytes };
        e.ms.push(ms);
        per.set(p, e);
      }
      totals.push(total);
      allMs.push((await get(allSeries)).ms);
    }
    const calls: CallTiming[] = pageCalls.map((p) => {
      const e = per.get(p)!;
      return { call: `GET ${p.replace(sweepId, ':id').replace(/trialIds=[^&]+/, 'trialIds=<5 best>')}`, medianMs: round(median(e.ms)), maxMs: round(Math.max(...e.ms)), bytes: e.bytes };
    });
    const sweepPageApiMs = round(median(totals));

    let pageUsableMs: DashboardBenchResult['pageUsableMs'] = null;
    let pageCompleteMs: number | null = null;
    let pageCpuMs: number | null = null;
    if (values['no-browser']) skipped.push('browser (--no-browser)');
    else if (!existsSync(CHROMIUM)) skipped.push(`browser (no ${CHROMIUM})`);
    else {
      const { chromium } = await import('playwright-core');
      const marker = `--tunelab-bench=${process.pid}`;
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [marker, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const loads: number[] = [];
        const complete: number[] = [];
        const cpuMs: number[] = [];
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        for (let r = 0; r < 4; r++) {
          const tab = await context.newPage();
          const cpu0 = treeCpuMs(marker);
          const server0 = process.cpuUsage();
          const start = performance.now();
          await tab.goto(`${base}/#/sweeps/${sweepId}`);
          await tab.waitForFunction(
            (n) => document.querySelectorAll('[data-testid=trials-table] tbody tr').length === Math.min(n, 50) && document.querySelectorAll('[data-testid=curves] path.recharts-line-curve').length > 0,
            trials,
            { polling: 'raf', timeout: 30_000 },
          );
          loads.push(performance.now() - start);
          const cpu1 = treeCpuMs(marker);
          const server = process.cpuUsage(server0);
          if (cpu0 !== null && cpu1 !== null) cpuMs.push(cpu1 - cpu0 + (server.user + server.system) / 1000);
          await tab.waitForSelector('[data-testid=param-charts] figure', { timeout: 30_000 });
          complete.push(performance.now() - start);
          await tab.close();
        }
        pageUsableMs = { first: Math.round(loads[0]), median: Math.round(median(loads.slice(1))) };
        pageCompleteMs = Math.round(median(complete.slice(1)));
        if (cpuMs.length > 1) pageCpuMs = Math.round(median(cpuMs.slice(1)));
      } finally {
        await browser.close();
      }
    }

    const result: DashboardBenchResult = {
      bench: 'dashboard',
      load: { avg1: round(loadavg()[0], 2), cores: availableParallelism() },
      trials,
      metrics: 3,
      points,
      metricRows: trials * 3 * points,
      fillSeconds: round(fillSeconds),
      calls,
      sweepPageApiMs,
      targetApiMs: 300,
      apiMeetsTarget: sweepPageApiMs < 300,
      allTrialsSeriesMs: round(median(allMs)),
      pageUsableMs,
      pageCompleteMs,
      pageCpuMs,
      targetPageMs: 1000,
      pageMeetsTarget: pageUsableMs ? pageUsableMs.median < 1000 : null,
      skipped,
    };
    if (!args.json) {
      for (const c of calls) say(`${c.call.padEnd(72)} ${String(c.medianMs).padStart(7)} ms (max ${c.maxMs}), ${c.bytes.toLocaleString()} bytes`);
      say(`sweep page API calls, one after another: ${sweepPageApiMs} ms (target < 300 ms: ${result.apiMeetsTarget ? 'met' : 'MISSED'})`);
      say(`one metric of all ${trials} trials (≤300 points each): ${result.allTrialsSeriesMs} ms`);
      if (pageUsableMs) {
        say(`page usable in Chromium (table + curves): first load ${pageUsableMs.first} ms, then median ${pageUsableMs.median} ms (target < 1000 ms: ${result.pageMeetsTarget ? 'met' : 'MISSED'})`);
        say(`everything drawn (hyperparameter charts too): median ${pageCompleteMs} ms`);
        if (pageCpuMs !== null) say(`CPU time until usable (Chromium + server): median ${pageCpuMs} ms`);
      }
      for (const s of skipped) say(`skipped ${s}`);
      say(`load average ${result.load.avg1} on ${result.load.cores} cores`);
    }
    return result;
  } finally {
    await dashboard.close();
    await fixture.cleanup();
  }
}

/** For the dispatcher that calls `main(argv)`: prints the JSON document under --json. */
export async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const result = await dashboardBench({ json, argv });
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
