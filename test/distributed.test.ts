import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildApp } from '@tunelab/dashboard';
import { loadCheckpoint } from '@tunelab/model';
import { materializeCheckpoint, openStore, type Store } from '@tunelab/store';
import { usePostgres } from '@tunelab/store/testing';
import { cancelSweep, coordinate, resumeSweep, retryFailed, runAgent, startDistributedSweep, startSweep, summarizeSweep, TrialQueue } from '@tunelab/sweeper';
import { proposeNext } from '@tunelab/sweep';
import { parseSweepConfig } from '@tunelab/config';
import { writeTinyCorpus } from './support/tiny-corpus';

/**
 * Sweeps across machines, through the real `tunelab` command in child processes on a real PostgreSQL:
 * a controller (`sweep start --distributed`) and two agents (`sweep agent`), each agent with its own home
 * folder, as two machines without a shared filesystem would have (checkpoints travel through the store).
 * Each test uses its own schema (and pg-boss's `<schema>_boss`), dropped afterwards.
 */

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'apps/cli/bin/tunelab.mjs');
const pg = await usePostgres('the distributed sweep tests');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh schema for one test: its store URL. */
function freshStore(): string {
  return pg.freshUrl();
}

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `tunelab-dist-${prefix}-`));
  dirs.push(d);
  return d;
}

function sweepConfig(dir: string, o: { name: string; runCap: number; epochs: number; tunes: number }): string {
  const lrs = [0.01, 0.003, 0.001, 0.0003].slice(0, o.runCap);
  const file = join(dir, `${o.name}.yaml`);
  writeFileSync(
    file,
    `name: ${o.name}
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: ${o.runCap}
parallel: 2
seed: 1
data: { corpus: ${JSON.stringify(writeTinyCorpus(dir, o.tunes))}, files: [], split: { val: 0.2, seed: 1 } }
train: { epochs: ${o.epochs}, batch_size: 4, seq_len: 32, checkpoint_every: 1, backend: cpu }
model: { cell: lstm, embedding_dim: 16, layers: [32], dropout: 0 }
keep_checkpoints: { best: 1, last: 1 }
parameters:
  train.optimizer.lr: { values: [${lrs.join(', ')}] }
`,
  );
  return file;
}

function tunelab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function launch(args: string[]): Running {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const r: Running = { child, stdout: '', stderr: '', exited: Promise.resolve(null) };
  child.stdout!.on('data', (d) => (r.stdout += d));
  child.stderr!.on('data', (d) => (r.stderr += d));
  r.exited = new Promise((res) => child.once('exit', (code) => res(code)));
  return r;
}

function agent(url: string, sweepId: string, home: string, extra: string[] = []): Running {
  return launch(['sweep', 'agent', '--store', url, '--sweep', sweepId, '--home', home, '--exit-when-done', '--stale-after', '15', '--json', ...extra]);
}

async function finished(r: Running, what: string, ms = 150_000): Promise<any> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([r.exited, new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), ms)))]);
  clearTimeout(timer);
  if (code === 'timeout') throw new Error(`${what} still running after ${ms / 1000} s:\n${r.stderr.slice(-3000)}`);
  expect(code, `${what} exited ${code}:\n${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
}

/** Every metric of every trial has exactly one row per epoch 1..epochs: none twice, none lost. */
async function expectWholeMetrics(store: Store, sweepId: string, epochs: number): Promise<void> {
  const steps = Array.from({ length: epochs }, (_, i) => i + 1);
  for (const t of await store.listTrials(sweepId)) {
    const metrics = await store.getMetrics(t.id);
    expect(Object.keys(metrics).length, t.id).toBeGreaterThan(3);
    for (const [name, points] of Object.entries(metrics)) expect(points.map((p) => p.step), `${t.id} ${name}`).toEqual(steps);
  }
}

describe.skipIf(pg.skip)('distributed sweeps on PostgreSQL (controller + agents)', () => {
  let filled: { url: string; sweepId: string } | null = null;

  test('a controller and two agents run a tiny sweep to completion; `sweep status` has the one-machine shape', async () => {
    const dir = tempDir('two');
    const url = freshStore();
    const config = sweepConfig(dir, { name: 'dist-two', runCap: 4, epochs: 2, tunes: 30 });
    const start = tunelab(['sweep', 'start', '--config', config, '--store', url, '--distributed', '--json']);
    expect(start.status, start.stderr).toBe(0);
    const { sweepId, status } = JSON.parse(start.stdout);
    expect(status).toBe('queued');
    const a = agent(url, sweepId, join(dir, 'home-a'));
    const b = agent(url, sweepId, join(dir, 'home-b'));
    const reports = [await finished(a, 'agent a'), await finished(b, 'agent b')];
    expect(reports.map((r) => r.reason)).toEqual(['done', 'done']);
    // Each trial ran on exactly one agent, and both agents worked.
    const ran = reports.flatMap((r) => r.trials.map((t: { id: string }) => t.id)).sort();
    expect(ran).toEqual([0, 1, 2, 3].map((i) => `${sweepId}-t00${i}`));
    expect(reports.every((r) => r.trials.length > 0), JSON.stringify(reports)).toBe(true);

    const s = tunelab(['sweep', 'status', sweepId, '--store', url, '--json']);
    expect(s.status, s.stderr).toBe(0);
    const summary = JSON.parse(s.stdout);
    expect(Object.keys(summary).sort()).toEqual(['best', 'counts', 'metric', 'name', 'objectives', 'pareto', 'status', 'sweepId', 'trials']);
    expect(summary.status).toBe('completed');
    expect(summary.counts).toEqual({ completed: 4 });
    // One objective: the front is the trials tied at the best value, so it holds the best trial.
    expect(summary.pareto).toContain(summary.best.trialId);
    for (const t of summary.trials) {
      expect(t.best.value).toBeGreaterThan(0);
      expect(t.bestCheckpoint).toEqual(expect.any(String));
    }
    const store = await openStore(url, { readonly: true });
    try {
      await expectWholeMetrics(store, sweepId, 2);
      // Checkpoint rows have no path: their files are in the store, and any machine can materialize them.
      const best = (await store.getCheckpoint(summary.trials[0].bestCheckpoint))!;
      expect(best.path).toBeNull();
      const local = await materializeCheckpoint(store, best.id, join(dir, 'elsewhere', best.id));
      expect((await loadCheckpoint(local)).meta.epoch).toBe(best.epoch);
    } finally {
      await store.close();
    }
    filled = { url, sweepId };
  }, 180_000);

  test('the dashboard reads a PostgreSQL store a distributed sweep filled', async () => {
    expect(filled, 'needs the sweep of the previous test').not.toBeNull();
    const { url, sweepId } = filled!;
    const reader = await openStore(url, { readonly: true });
    // Samples are written through a writable connection, as `tunelab dashboard` opens one.
    let writer: Store | null = null;
    const app = await buildApp({ reader, writer: async () => (writer ??= await openStore(url)), uiDir: null });
    try {
      const r = await app.inject(`/api/sweeps/${sweepId}/trials`);
      expect(r.statusCode, r.body).toBe(200);
      const page = r.json();
      expect(page.total).toBe(4);
      expect(page.trials.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([0, 1, 2, 3].map((i) => [`${sweepId}-t00${i}`, 'completed']));
      const sweeps = (await app.inject('/api/sweeps')).json();
      expect(sweeps.sweeps.map((s: { id: string }) => s.id)).toContain(sweepId);
      // A checkpoint whose files live only in PostgreSQL (path null) still samples: the dashboard writes
      // them to a local folder first.
      const [ckpt] = (await reader.listCheckpoints({ sweepId })).filter((c) => c.deletedAt === null);
      expect(ckpt.path).toBeNull();
      const g = await app.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: ckpt.id, n: 1, maxLength: 80, seed: 1 } });
      expect(g.statusCode, g.body).toBe(200);
      expect(g.json().samples[0].abc.startsWith('X:')).toBe(true);
    } finally {
      await app.close();
      await reader.close();
      await (writer as Store | null)?.close();
    }
  });

  test('SIGKILL one agent mid-trial: the trial resumes on the other agent from its stored checkpoint; no metric row twice, none lost', async () => {
    const dir = tempDir('kill');
    const url = freshStore();
    const epochs = 4;
    const config = sweepConfig(dir, { name: 'dist-kill', runCap: 2, epochs, tunes: 240 });
    const start = tunelab(['sweep', 'start', '--config', config, '--store', url, '--distributed', '--json']);
    expect(start.status, start.stderr).toBe(0);
    const { sweepId } = JSON.parse(start.stdout);
    const agents = [agent(url, sweepId, join(dir, 'home-a')), agent(url, sweepId, join(dir, 'home-b'))];
    const store = await openStore(url, { readonly: true });
    try {
      // Kill whichever agent first holds a running trial that has a stored checkpoint.
      let victim: { agent: Running; trialId: string; home: string } | null = null;
      const deadline = Date.now() + 60_000;
      while (!victim && Date.now() < deadline) {
        for (const t of await store.listTrials(sweepId, { status: 'running' })) {
          const ckpts = await store.listCheckpoints({ trialId: t.id });
          if (ckpts.length === 0 || (await store.getCheckpointFiles(ckpts[0].id, ['tunelab.json'])).length === 0) continue;
          const i = agents.findIndex((a) => t.worker?.includes(`:${a.child.pid}:`));
          if (i < 0) continue;
          agents[i].child.kill('SIGKILL');
          victim = { agent: agents[i], trialId: t.id, home: join(dir, i === 0 ? 'home-a' : 'home-b') };
          break;
        }
        if (agents.some((a) => a.child.exitCode !== null)) throw new Error(`an agent exited early:\n${agents.map((a) => a.stderr).join('\n')}`);
        await sleep(100);
      }
      expect(victim, 'no trial with a stored checkpoint was seen running').not.toBeNull();
      const survivor = agents.find((a) => a !== victim!.agent)!;
      const report = await finished(survivor, 'the surviving agent');
      expect(report.trials.map((t: { id: string; status: string }) => t.status)).toContain('completed');
      expect(report.trials.map((t: { id: string }) => t.id)).toContain(victim!.trialId);

      const trials = await store.listTrials(sweepId);
      expect(trials.map((t) => t.status)).toEqual(['completed', 'completed']);
      expect((await store.getSweep(sweepId))!.status).toBe('completed');
      const killed = trials.find((t) => t.id === victim!.trialId)!;
      expect(killed.worker).toContain(`:${survivor.child.pid}:`);
      expect(killed.logTail).toMatch(/marked stale/);
      // The survivor's home never held the killed trial's folder: it came out of the store.
      expect(killed.logTail).toMatch(/resuming from .*epoch-\d+/);
      expect(killed.logTail).not.toContain(`resuming from ${victim!.home}`);
      expect(existsSync(join(victim!.home, 'checkpoints', killed.id))).toBe(true);
      await expectWholeMetrics(store, sweepId, epochs);
    } finally {
      await store.close();
    }
  }, 180_000);

  test('kill the controller: the agents go on and propose the rest; `sweep resume --wait` picks the sweep up', async () => {
    const dir = tempDir('ctl');
    const url = freshStore();
    const config = sweepConfig(dir, { name: 'dist-ctl', runCap: 4, epochs: 2, tunes: 30 });
    const controller = launch(['sweep', 'start', '--config', config, '--store', url, '--distributed', '--wait', '--stale-after', '15', '--json']);
    const store = await waitForStore(url);
    try {
      let sweepId: string | undefined;
      const deadline = Date.now() + 30_000;
      while (!sweepId && Date.now() < deadline) {
        sweepId = (await store.listSweeps())[0]?.id;
        if (!sweepId) await sleep(100);
      }
      expect(sweepId, controller.stderr).toBeDefined();
      const agents = [agent(url, sweepId!, join(dir, 'home-a')), agent(url, sweepId!, join(dir, 'home-b'))];
      while ((await store.listTrials(sweepId!, { status: 'running' })).length === 0 && Date.now() < deadline) await sleep(100);
      // The controller proposed the first two trials; it dies before any finishes.
      expect((await store.listTrials(sweepId!)).map((t) => t.number)).toEqual([0, 1]);
      controller.child.kill('SIGKILL');
      await controller.exited;
      // A new controller joins mid-sweep and stays until the end.
      const resumed = launch(['sweep', 'resume', sweepId!, '--store', url, '--wait', '--stale-after', '15', '--json']);
      const reports = await Promise.all(agents.map((a, i) => finished(a, `agent ${i}`)));
      // Trials 2 and 3 were proposed after the controller died, by the agents (or the resumed controller).
      expect(reports.flatMap((r) => r.trials.map((t: { id: string }) => t.id)).sort()).toEqual([0, 1, 2, 3].map((i) => `${sweepId}-t00${i}`));
      const summary = await finished(resumed, 'sweep resume --wait');
      expect(summary.status).toBe('completed');
      expect(summary.counts).toEqual({ completed: 4 });
      expect(await summarizeSweep(store, sweepId!)).toEqual(summary);
      await expectWholeMetrics(store, sweepId!, 2);
    } finally {
      await store.close();
    }
  }, 180_000);
});

describe.skipIf(pg.skip)('PostgreSQL store, in process', () => {
  test('without --distributed, a PostgreSQL store runs the sweep in this process, checkpoints kept in the store', async () => {
    const dir = tempDir('local');
    const url = freshStore();
    const summary = await startSweep(sweepConfig(dir, { name: 'pg-local', runCap: 2, epochs: 1, tunes: 30 }), { home: join(dir, 'home'), store: url, quiet: true });
    expect(summary.status).toBe('completed');
    expect(summary.counts).toEqual({ completed: 2 });
    const store = await openStore(url, { readonly: true });
    try {
      const ckpts = await store.listCheckpoints({ sweepId: summary.sweepId });
      expect(ckpts.length).toBe(2);
      for (const c of ckpts) {
        expect(c.path).toBeNull();
        expect((await store.getCheckpointFiles(c.id)).map((f) => f.name)).toContain('tunelab.json');
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  test('--distributed and `sweep agent` need a PostgreSQL store', async () => {
    const dir = tempDir('sqlite');
    const config = sweepConfig(dir, { name: 'no-pg', runCap: 1, epochs: 1, tunes: 5 });
    await expect(startDistributedSweep(config, { home: dir })).rejects.toThrow(/needs a PostgreSQL store/);
    await expect(runAgent({ store: join(dir, 'x.db'), home: dir, quiet: true })).rejects.toThrow(/needs a PostgreSQL store/);
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });

  test('the controller role under the sweep lock: two machines coordinating at once propose each TPE trial once, as proposeNext would', async () => {
    const url = freshStore();
    const yaml = `name: tpe-lock
method: bayes
metric: { name: val_loss, goal: minimize }
run_cap: 8
parallel: 3
seed: 5
train: { epochs: 1 }
parameters:
  train.optimizer.lr: { min: 0.0001, max: 0.1, distribution: log_uniform_values }
  model.dropout: { min: 0, max: 0.5 }
`;
    const config = parseSweepConfig(yaml, 'tpe-lock.yaml');
    // Two stores and two queues: two machines' connections.
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    const [qa, qb] = await Promise.all([TrialQueue.open(url), TrialQueue.open(url)]);
    try {
      const sweep = await a.createSweep({ config, configYaml: yaml, distributed: true, status: 'running' });
      const expectNext = async (): Promise<void> => {
        const trials = await a.listTrials(sweep.id);
        const before = trials.length;
        await Promise.all([coordinate(a, qa, sweep.id, { staleAfterMs: 60_000 }), coordinate(b, qb, sweep.id, { staleAfterMs: 60_000 }), coordinate(a, qa, sweep.id, { staleAfterMs: 60_000 })]);
        const after = await a.listTrials(sweep.id);
        expect(after.filter((t) => ['queued', 'running', 'stale'].includes(t.status)).length).toBe(Math.min(3, 8 - trials.filter((t) => t.status === 'completed' || t.status === 'pruned').length));
        // What any single process would have proposed from the same history, in the same order.
        const history = after.slice(0, before).map((t) => ({ params: t.params, status: t.status, value: t.bestValue ?? undefined }));
        for (const t of after.slice(before)) {
          const p = proposeNext(config, history as Parameters<typeof proposeNext>[1]);
          expect(p.kind === 'trial' && p.params).toEqual(t.params);
          history.push({ params: t.params, status: 'queued', value: undefined });
        }
      };
      await expectNext();
      // Finish the trials in flight (the objective: distance of lr from 0.01), then coordinate again, twice.
      for (let round = 0; round < 2; round++) {
        for (const t of await a.listTrials(sweep.id, { status: 'queued' })) {
          await a.updateTrial(t.id, { status: 'running', worker: 'elsewhere:1:w0' });
          const lr = t.params['train.optimizer.lr'] as number;
          await a.updateTrial(t.id, { status: 'completed', bestValue: Math.abs(Math.log10(lr) + 2), bestStep: 1 });
        }
        await expectNext();
      }
      expect((await a.listTrials(sweep.id)).map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(await qa.waiting()).toBeGreaterThan(0);
    } finally {
      await Promise.all([qa.close(), qb.close()]);
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  test('early termination on an agent reads the shared history: a trial worse than the finished one is pruned', async () => {
    const dir = tempDir('prune');
    const url = freshStore();
    const yaml = readFileSync(sweepConfig(dir, { name: 'dist-prune', runCap: 2, epochs: 6, tunes: 60 }), 'utf8')
      .replace('parallel: 2', 'parallel: 1\nearly_terminate: { type: median, min_iter: 1, warmup_trials: 1 }')
      .replace(/values: \[.*\]/, 'values: [0.01, 0.000001]');
    writeFileSync(join(dir, 'prune.yaml'), yaml);
    const home = join(dir, 'home');
    const { sweepId } = await startDistributedSweep(join(dir, 'prune.yaml'), { home, store: url, quiet: true });
    const notes: string[] = [];
    const report = await runAgent({ store: url, home, sweepId, exitWhenDone: true, staleAfterMs: 15_000, view: noteView(notes) });
    expect(report.trials, notes.join('\n')).toEqual([
      { id: `${sweepId}-t000`, status: 'completed' },
      { id: `${sweepId}-t001`, status: 'pruned' },
    ]);
    const store = await openStore(url, { readonly: true });
    try {
      const pruned = (await store.getTrial(`${sweepId}-t001`))!;
      expect(pruned.pruneReason).toMatch(/median/);
      // Pruned after epoch 1; the worker may finish the epoch it is in before the abort reaches it.
      expect((await store.getMetrics(pruned.id)).val_loss.length).toBeLessThan(6);
      expect((await store.getSweep(sweepId))!.status).toBe('completed');
    } finally {
      await store.close();
    }
  }, 120_000);

  test('cancel a distributed sweep mid-trial, then `sweep resume`: agents finish it, no metric row twice', async () => {
    const dir = tempDir('cancel');
    const url = freshStore();
    const home = join(dir, 'home');
    // 30 epochs: the trials must still be running when the cancel comes; with 6 they could finish between the first
    // checkpoint and the agent's next tick when the machine was busy (the full suite saw both complete).
    const { sweepId } = await startDistributedSweep(sweepConfig(dir, { name: 'dist-cancel', runCap: 2, epochs: 30, tunes: 120 }), { home, store: url, quiet: true });
    const store = await openStore(url);
    try {
      // A quick tick, so the cancel is seen well before the trials end.
      const agentRun = runAgent({ store: url, home, sweepId, parallel: 2, exitWhenDone: true, quiet: true, staleAfterMs: 15_000, tickMs: 200 });
      const deadline = Date.now() + 60_000;
      while ((await store.listCheckpoints({ sweepId })).length === 0 && Date.now() < deadline) await sleep(100);
      await cancelSweep(sweepId, { home, store: url });
      const first = await agentRun;
      expect(first.reason).toBe('done');
      expect(first.trials.map((t) => t.status)).toContain('cancelled');
      expect((await store.getSweep(sweepId))!.status).toBe('cancelled');

      const resumed = await resumeSweep(sweepId, { home, store: url, quiet: true });
      expect(resumed.status).toBe('running');
      const second = await runAgent({ store: url, home, sweepId, parallel: 2, exitWhenDone: true, quiet: true, staleAfterMs: 15_000 });
      expect(second.trials.map((t) => t.status)).toEqual(second.trials.map(() => 'completed'));
      const summary = await summarizeSweep(store, sweepId);
      expect(summary.status).toBe('completed');
      expect(summary.counts).toEqual({ completed: 2 });
      await expectWholeMetrics(store, sweepId, 30);
    } finally {
      await store.close();
    }
  }, 120_000);

  /**
   * A distributed sweep limited to a minute, its time driven by the agent's injected clock (as
   * sweep-time-limit.test.ts drives the local runner's): the wall clock never reaches the limit while these
   * tests run, so only the clock can end the trials. The sweep's start is the database's stamp, which the
   * clock is compared with.
   */
  function limitedSweep(dir: string, epochs: number): string {
    const yaml = readFileSync(sweepConfig(dir, { name: 'dist-limit', runCap: 4, epochs, tunes: 60 }), 'utf8').replace(
      'parallel: 2',
      'parallel: 2\nmax_minutes: 1',
    );
    writeFileSync(join(dir, 'limit.yaml'), yaml);
    return join(dir, 'limit.yaml');
  }

  test('past a distributed sweep max_minutes the agents stop their trials and nothing new starts', async () => {
    const dir = tempDir('time-limit');
    const url = freshStore();
    // 1,000 epochs take about a minute (each writes a checkpoint into PostgreSQL): the trials are still running
    // when the clock moves, a few seconds in.
    const epochs = 1000;
    const home = join(dir, 'home');
    const { sweepId } = await startDistributedSweep(limitedSweep(dir, epochs), { home, store: url, quiet: true });
    const store = await openStore(url, { readonly: true });
    try {
      let skew = 0;
      const stop = new AbortController();
      const agentRun = runAgent({
        store: url,
        home,
        sweepId,
        parallel: 2,
        exitWhenDone: true,
        quiet: true,
        staleAfterMs: 15_000,
        tickMs: 200,
        signal: stop.signal,
        now: () => Date.now() + skew,
      });
      // Both trials are under way (each has reported an epoch) before the clock passes the limit: a few seconds
      // here; the bound keeps this wait plus the one below under the wall clock's minute.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const trials = await store.listTrials(sweepId);
        let reported = 0;
        for (const t of trials) if (((await store.getMetrics(t.id)).val_loss?.length ?? 0) > 0) reported++;
        if (reported >= 2) break;
        if (Date.now() > deadline) throw new Error('no 2 trials reported an epoch within 30 s');
        await sleep(200);
      }
      skew = 2 * 60_000;
      // Seconds, not the wall clock's minute: the wall clock must not be what ends these trials. Past the bound
      // the agent is stopped first, so it writes no checkpoint while the temp folders are removed.
      const timer = setTimeout(() => stop.abort(), 20_000);
      const report = await agentRun.finally(() => clearTimeout(timer));
      if (stop.signal.aborted) throw new Error('the agent did not stop within 20 s of its clock passing max_minutes');
      expect(report.reason).toBe('done');
      expect(report.trials.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
      const summary = await summarizeSweep(store, sweepId);
      expect(summary.status).toBe('completed');
      // run_cap is 4: nothing was proposed in the two trials' place.
      expect(summary.counts).toEqual({ cancelled: 2 });
      for (const t of summary.trials) {
        expect((await store.getTrial(t.id))!.logTail).toMatch(/max_minutes 1 reached/);
        expect((await store.getMetrics(t.id)).val_loss?.length ?? 0).toBeLessThan(epochs);
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  test('an agent whose clock is past a started distributed sweep max_minutes starts no trial', async () => {
    const dir = tempDir('time-up');
    const url = freshStore();
    const home = join(dir, 'home');
    const { sweepId } = await startDistributedSweep(limitedSweep(dir, 1000), { home, store: url, quiet: true });
    const store = await openStore(url);
    try {
      // A distributed sweep's time starts when an agent first takes a trial; this one started (stamped by the
      // database, as that agent would) and no trial runs now, like a sweep resumed after its limit.
      await store.updateSweepStatus(sweepId, 'running');
      const report = await runAgent({ store: url, home, sweepId, parallel: 2, exitWhenDone: true, quiet: true, staleAfterMs: 15_000, tickMs: 200, now: () => Date.now() + 2 * 60_000 });
      expect(report.reason).toBe('done');
      expect(report.trials).toEqual([]);
      const summary = await summarizeSweep(store, sweepId);
      expect(summary.status).toBe('completed');
      expect(summary.counts).toEqual({ cancelled: 2 });
      for (const t of summary.trials) {
        expect((await store.getTrial(t.id))!.logTail).toMatch(/max_minutes 1 reached before it ran/);
        expect((await store.getMetrics(t.id)).val_loss ?? []).toEqual([]);
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  test('retry-failed on a distributed sweep: the failed trial is queued again and an agent runs it', async () => {
    const dir = tempDir('retry');
    const url = freshStore();
    const good = writeTinyCorpus(dir, 30);
    const later = join(dir, 'later.abc');
    const config = readFileSync(sweepConfig(dir, { name: 'dist-retry', runCap: 2, epochs: 1, tunes: 30 }), 'utf8').replace(
      /parameters:\n.*$/s,
      `parameters:\n  data.corpus: { values: [${JSON.stringify(good)}, ${JSON.stringify(later)}] }\n`,
    );
    writeFileSync(join(dir, 'retry.yaml'), config);
    const home = join(dir, 'home');
    const { sweepId, status } = await startDistributedSweep(join(dir, 'retry.yaml'), { home, store: url, quiet: true });
    expect(status).toBe('queued');
    const first = await runAgent({ store: url, home, sweepId, exitWhenDone: true, quiet: true, staleAfterMs: 15_000 });
    expect(first.trials.map((t) => t.status).sort()).toEqual(['completed', 'failed']);
    const store = await openStore(url);
    try {
      expect((await summarizeSweep(store, sweepId)).status).toBe('completed');
      writeFileSync(later, readFileSync(good));
      const failedId = first.trials.find((t) => t.status === 'failed')!.id;
      expect(await retryFailed(sweepId, { home, store: url })).toEqual([failedId]);
      expect((await store.getSweep(sweepId))!.status).toBe('running');
      const second = await runAgent({ store: url, home, sweepId, exitWhenDone: true, quiet: true, staleAfterMs: 15_000 });
      expect(second.trials).toEqual([{ id: failedId, status: 'completed' }]);
      const summary = await summarizeSweep(store, sweepId);
      expect(summary.status).toBe('completed');
      expect(summary.counts).toEqual({ completed: 2 });
      expect((await store.getTrial(failedId))!.attempt).toBe(1);
    } finally {
      await store.close();
    }
  }, 120_000);
});

/** A progress view that keeps the agent's notes, to show when an assertion fails. */
function noteView(notes: string[]) {
  return { update() {}, note: (line: string) => void notes.push(line), close() {} };
}

async function waitForStore(url: string): Promise<Store> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await openStore(url, { readonly: true });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
