import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openStore, type Store } from '@tunelab/store';
import { usePostgres } from '@tunelab/store/testing';
import { coordinate, startDistributedSweep, TrialQueue } from '@tunelab/sweeper';
import { repoRoot } from '../support/cli';
import { removeDirs, tempDir, tinySweepYaml, waitFor } from './tiny-sweep';

/**
 * Issue 21, item 8 (last part): heartbeats were stamped with the agent's clock and judged with the judge's, so
 * an agent whose clock is 10 minutes slow had its live trials taken from it at once, and one 10 minutes fast
 * kept a dead trial "alive" for 10 minutes. Heartbeats and staleness now run on the database's clock.
 *
 * The skewed agent runs in its own process (support/skewed-agent.ts, AgentOptions.testClockOffsetMs); this
 * process plays another machine with the true time, taking the controller role (`coordinate`) every 250 ms.
 */

const MINUTES_10 = 10 * 60_000;
const STALE_AFTER_MS = 5_000;
const pg = await usePostgres('the heartbeat-clock test');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  removeDirs(dirs);
});

async function distributedSweep(name: string, epochs: number): Promise<{ url: string; sweepId: string; home: string }> {
  const dir = tempDir(name, dirs);
  const url = pg.freshUrl();
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, tinySweepYaml(dir, { name, epochs, tunes: 120 }));
  const home = join(dir, 'home');
  const { sweepId } = await startDistributedSweep(config, { home, store: url, quiet: true });
  return { url, sweepId, home };
}

function skewedAgent(url: string, sweepId: string, home: string, offsetMs: number): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/skewed-agent.ts'), url, sweepId, home, String(offsetMs), String(STALE_AFTER_MS)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

/** Takes the controller role with the true clock every 250 ms until `until` says stop; the trials it marked stale. */
async function controlUntil(store: Store, url: string, sweepId: string, until: () => Promise<boolean>, ms: number): Promise<string[]> {
  const queue = await TrialQueue.open(url);
  const marked: string[] = [];
  const deadline = Date.now() + ms;
  try {
    while (!(await until()) && Date.now() < deadline) {
      const r = await coordinate(store, queue, sweepId, { staleAfterMs: STALE_AFTER_MS });
      marked.push(...r.markedStale.map((t) => t.id));
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await queue.close();
  }
  return marked;
}

describe.skipIf(pg.skip)('heartbeats on the database’s clock (PostgreSQL)', () => {
  test('an agent whose clock is 10 minutes slow keeps its live trial: nobody marks it stale, it completes there', async () => {
    const { url, sweepId, home } = await distributedSweep('clock-slow', 500);
    const agent = skewedAgent(url, sweepId, home, -MINUTES_10);
    const store = await openStore(url);
    try {
      const id = `${sweepId}-t000`;
      const marked = await controlUntil(store, url, sweepId, async () => agent.child.exitCode !== null, 150_000);
      expect(await agent.exited, agent.output()).toBe(0);
      const trial = (await store.getTrial(id))!;
      expect(marked, trial.logTail).toEqual([]);
      expect(trial.logTail).not.toMatch(/marked stale/);
      expect(trial.status, trial.logTail).toBe('completed');
      // Never started twice (the store keeps only the log's tail: a long trial's first line may have scrolled out).
      expect((trial.logTail.match(/starting on/g) ?? []).length).toBeLessThanOrEqual(1);
      // The stamps are the database's: within a few seconds of the true time, not 10 minutes off.
      expect(Math.abs(trial.finishedAt! - Date.now())).toBeLessThan(60_000);
      // It trained longer than staleAfter, so its lease had to be renewed (on the database's clock) to last.
      expect(trial.finishedAt! - trial.startedAt!).toBeGreaterThan(STALE_AFTER_MS);
    } finally {
      await store.close();
    }
  }, 200_000);

  test('an agent whose clock is 10 minutes fast, killed: its trial is marked stale within staleAfter, not 10 minutes later', async () => {
    const { url, sweepId, home } = await distributedSweep('clock-fast', 30);
    const agent = skewedAgent(url, sweepId, home, MINUTES_10);
    const store = await openStore(url);
    try {
      const id = `${sweepId}-t000`;
      await waitFor(`${id} training on the agent\n${agent.output()}`, async () => {
        const t = await store.getTrial(id);
        return t?.status === 'running' && (await store.lastStep(id)) !== null;
      }, 120_000);
      agent.child.kill('SIGKILL');
      await agent.exited;
      const killedAt = Date.now();
      const marked = await controlUntil(store, url, sweepId, async () => (await store.getTrial(id))?.status !== 'running', STALE_AFTER_MS + 20_000);
      const trial = (await store.getTrial(id))!;
      expect(marked, trial.logTail).toEqual([id]);
      expect(trial.status).toBe('stale');
      expect(Date.now() - killedAt).toBeLessThan(STALE_AFTER_MS + 20_000);
      // The age the log gives is the real silence, not 10 minutes more or less.
      const age = Number(/heartbeat (-?\d+) s ago/.exec(trial.logTail)?.[1]);
      expect(age, trial.logTail).toBeGreaterThanOrEqual(0);
      expect(age, trial.logTail).toBeLessThan(60);
    } finally {
      await store.close();
    }
  }, 200_000);
});
