import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { createRng, prepareData } from '@tunelab/dataset';
import { InputError } from '@tunelab/config';
import { train } from './train';
import { loadCheckpoint } from './checkpoint';
import { pick, sample, Sampler } from './sample';
import { tinyConfig, writeTinyCorpus } from './testing';
import { fusedStatus } from './cells';

let dir: string;

beforeAll(async () => {
  const corpus = writeTinyCorpus();
  const config = tinyConfig(corpus, { epochs: 3, checkpoint_every: 0 });
  const home = mkdtempSync(join(tmpdir(), 'tunelab-sample-'));
  const r = await train({ config, runId: 's', home, prepared: await prepareData(config.data) });
  dir = r.checkpoints.at(-1)!.dir;
});

describe('pick', () => {
  const probs = Float32Array.from([0.1, 0.6, 0.3]);
  test('top-k 1 and a tiny top-p always take the most probable symbol', () => {
    const rng = createRng(1);
    for (let i = 0; i < 20; i++) {
      expect(pick(probs, 1, 1, 1, rng)).toBe(1);
      expect(pick(probs, 1, 0, 0.05, rng)).toBe(1);
    }
  });
  test('top-p 0.9 never takes the least probable symbol; temperature near 0 is greedy', () => {
    const rng = createRng(2);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(pick(probs, 1, 0, 0.9, rng));
    expect([...seen].sort()).toEqual([1, 2]);
    for (let i = 0; i < 20; i++) expect(pick(probs, 0.01, 0, 1, rng)).toBe(1);
  });
  test('temperature 1 follows the distribution', () => {
    const rng = createRng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[pick(probs, 1, 0, 1, rng)]++;
    expect(counts[1] / 3000).toBeCloseTo(0.6, 1);
    expect(counts[0] / 3000).toBeCloseTo(0.1, 1);
  });
});

describe('sample', () => {
  test('whole tunes from a checkpoint: start at the prime, stop at a blank line, repeat for a seed', async () => {
    const tunes = (await sample(dir, { n: 3, seed: 7, maxLength: 400 })).map((t) => t.text);
    expect(tunes).toHaveLength(3);
    for (const t of tunes) {
      expect(t.startsWith('X:')).toBe(true);
      expect(t).not.toMatch(/\n\s*\n/);
      expect(t.endsWith('\n')).toBe(true);
    }
    expect((await sample(dir, { n: 3, seed: 7, maxLength: 400 })).map((t) => t.text)).toEqual(tunes);
    expect((await sample(dir, { n: 3, seed: 8, maxLength: 400 })).map((t) => t.text)).not.toEqual(tunes);
  });

  test('a Sampler steps from its state: feeding a prefix at once equals feeding it symbol by symbol', async () => {
    const s = Sampler.fromCheckpoint(await loadCheckpoint(dir));
    try {
      const ids = s.vocab.encode('X: 1\nT:');
      const whole = await s.step(ids);
      s.reset();
      let last: Float32Array = new Float32Array();
      for (const id of ids) last = await s.step(Int32Array.of(id));
      whole.forEach((p, i) => expect(last[i]).toBeCloseTo(p, 5));
    } finally {
      s.dispose();
    }
  });

  test.skipIf(!fusedStatus().native)('the fast fused step gives the probabilities of the tfjs-layers model (needs the native kernels)', async () => {
    const ckpt = await loadCheckpoint(dir);
    const fast = Sampler.fromCheckpoint(ckpt);
    const slow = Sampler.fromCheckpoint(ckpt, { fast: false });
    try {
      expect(fast.usesFastPath).toBe(true);
      expect(slow.usesFastPath).toBe(false);
      const ids = fast.vocab.encode('X: 1\nT:Tune 3\nM:6/8\nK:G\n');
      for (const chunk of [ids, Int32Array.of(ids[4]), Int32Array.of(ids[5])]) {
        const a = await fast.step(chunk);
        const b = await slow.step(chunk);
        a.forEach((p, i) => expect(p).toBeCloseTo(b[i], 5));
      }
    } finally {
      fast.dispose();
      slow.dispose();
    }
  });

  test('bad options throw InputError', async () => {
    await expect(sample(dir, { temperature: 0 })).rejects.toThrow(InputError);
    await expect(sample(dir, { topP: 1.5 })).rejects.toThrow(/top-p/);
    await expect(sample(dir, { prime: '☃' })).rejects.toThrow();
  });
});
