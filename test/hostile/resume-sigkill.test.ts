import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createRng } from '@tunelab/dataset';
import { openStore, type Store } from '@tunelab/store';
import { repoRoot as root, tunelabBin as bin } from '../support/cli';
import { writeTinyCorpus } from '../support/tiny-corpus';

/**
 * Issue 21, item 2 through the real `tunelab` command: a tiny sweep (2 trials at once, dropout, stateful and
 * shuffled batches, an eval block every 2 epochs, only best/last checkpoints so a resume may start from an older
 * best) runs once straight, and once killed with SIGKILL at seeded random moments and resumed with `sweep resume`
 * until it completes. The final resume exits 0, the sweep is `completed`, and every trial's metric series (all
 * but the wall-clock ones) is the uninterrupted sweep's, bit for bit, on the cpu engine.
 */

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

/** Wall-clock metrics: they differ between any two runs. */
const CLOCK = new Set(['seconds', 'chars_per_sec']);
const KILLS = 3;

function sweepYaml(corpus: string): string {
  return `name: resume-exact
method: grid
metric: { name: val_loss, goal: minimize }
run_cap: 2
parallel: 2
seed: 1
retries: 0
data: { corpus: ${JSON.stringify(corpus)}, files: [], split: { val: 0.2, seed: 1 } }
train: { epochs: 6, batch_size: 4, seq_len: 16, checkpoint_every: 0, clip_norm: 1, backend: cpu, optimizer: { name: adam, lr: 0.05 } }
model: { cell: lstm, embedding_dim: 8, layers: [16], dropout: 0.3 }
eval: { every: 2, samples: 2, temperature: 1 }
parameters:
  train.batching: { values: [stateful, shuffled] }
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tunelab <args>`; with `killAt`, SIGKILLs it that many ms after it first reported a new epoch (a metric
 * row the store did not have), so each run makes progress and the kill lands in training, an evaluation, a
 * checkpoint write or a metric flush rather than in the CLI's start. An epoch run again after a resume from an
 * older checkpoint adds no row (the store keeps the first), so the trigger waits for a genuinely new one.
 */
async function tunelab(args: string[], home: string, killAt?: number): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args, '--home', home], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  if (killAt !== undefined) {
    void (async () => {
      const store = await openStoreWhenThere(home, () => child.exitCode !== null);
      try {
        const before = await epochsReported(store);
        while (child.exitCode === null && (await epochsReported(store)) <= before) await sleep(25);
      } finally {
        await store?.close();
      }
      await sleep(killAt);
      child.kill('SIGKILL');
    })();
  }
  return exited;
}

async function openStoreWhenThere(home: string, gaveUp: () => boolean): Promise<Store | null> {
  for (;;) {
    try {
      const store = await openStore({ home }, { readonly: true });
      try {
        await store.listSweeps();
        return store;
      } catch (err) {
        await store.close();
        throw err;
      }
    } catch {
      if (gaveUp()) return null;
      await sleep(100);
    }
  }
}

/** The val_loss rows of every trial in the store. */
async function epochsReported(store: Store | null): Promise<number> {
  let n = 0;
  for (const sweep of (await store?.listSweeps()) ?? []) {
    for (const t of await store!.listTrials(sweep.id)) n += ((await store!.getMetrics(t.id, { names: ['val_loss'] })).val_loss ?? []).length;
  }
  return n;
}

/** Every trial's metrics but the wall-clock ones, by trial number: name → [step, value] pairs. */
async function seriesOf(home: string): Promise<{ sweepStatus: string; trials: Record<number, Record<string, [number, number][]>>; logs: string[] }> {
  const store = await openStore({ home }, { readonly: true });
  try {
    const [sweep] = await store.listSweeps();
    const trials: Record<number, Record<string, [number, number][]>> = {};
    const logs: string[] = [];
    for (const t of await store.listTrials(sweep.id)) {
      const metrics = await store.getMetrics(t.id);
      trials[t.number] = Object.fromEntries(
        Object.entries(metrics)
          .filter(([name]) => !CLOCK.has(name))
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, points]) => [name, points.map((p) => [p.step, p.value] as [number, number])]),
      );
      logs.push(t.logTail ?? '');
    }
    return { sweepStatus: sweep.status, trials, logs };
  } finally {
    await store.close();
  }
}

describe('SIGKILL and resume (issue 21, item 2)', () => {
  test('a sweep killed at random moments and resumed until it completes has the uninterrupted sweep’s metrics, bit for bit', async () => {
    const straightHome = mkdtempSync(join(tmpdir(), 'tunelab-resume-straight-'));
    const killedHome = mkdtempSync(join(tmpdir(), 'tunelab-resume-killed-'));
    homes.push(straightHome, killedHome);
    const config = join(straightHome, 'sweep.yaml');
    writeFileSync(config, sweepYaml(writeTinyCorpus(straightHome, 60)));

    // The uninterrupted sweep runs alongside the killed one.
    const straight = tunelab(['sweep', 'start', '--config', config, '--json'], straightHome);

    // Seeded: the kill moments are the same on every run of the test.
    const random = createRng(21);
    let sweepId: string | null = null;
    let kills = 0;
    let last: Run | null = null;
    for (let attempt = 0; attempt < KILLS + 1; attempt++) {
      const killAt = attempt < KILLS ? random.int(1000) : undefined;
      const args = sweepId === null ? ['sweep', 'start', '--config', config, '--json'] : ['sweep', 'resume', sweepId, '--json'];
      last = await tunelab(args, killedHome, killAt);
      if (last.signal === 'SIGKILL') {
        kills++;
        const store = await openStore({ home: killedHome }, { readonly: true });
        try {
          sweepId = (await store.listSweeps())[0]?.id ?? null;
        } finally {
          await store.close();
        }
        continue;
      }
      break;
    }
    expect(kills, 'the sweeper was killed at least twice before it completed').toBeGreaterThanOrEqual(2);
    expect(last!.code, last!.stderr).toBe(0);
    expect(JSON.parse(last!.stdout).status).toBe('completed');

    const s = await straight;
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).status).toBe('completed');

    const a = await seriesOf(straightHome);
    const b = await seriesOf(killedHome);
    expect(b.sweepStatus).toBe('completed');
    // Some trial really did resume from a checkpoint (not only start over).
    expect(b.logs.join('\n')).toMatch(/resuming from .*epoch-\d+/);
    expect(Object.keys(a.trials)).toEqual(['0', '1']);
    expect(a.trials[0].val_loss.map(([step]) => step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.trials).toEqual(a.trials);
    // And so the trials' best values and epochs.
    const best = (out: string) => (JSON.parse(out) as { trials: { params: unknown; best: unknown }[] }).trials.map((t) => [t.params, t.best]);
    expect(best(last!.stdout)).toEqual(best(s.stdout));
  }, 120_000);
});
