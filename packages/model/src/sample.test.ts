import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { createRng, prepareData } from '@tunelab/dataset';
import { InputError } from '@tunelab/config';
import { parseTune, REFUSED_WARNINGS } from '@tunelab/abc';
import { train } from './train';
import { loadCheckpoint } from './checkpoint';
import { meterLineMask, pick, sample, Sampler, START_CONTEXT } from './sample';
import { tinyConfig, writeTinyCorpus } from '../testing';
import { fusedStatus } from './engine';

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
  test.each([true, false])('each tune starts after the text that precedes every training tune (fast stepper: %s)', async (fast) => {
    const sampler = Sampler.fromCheckpoint(await loadCheckpoint(dir), { fast });
    try {
      const opts = { n: 3, seed: 4, maxLength: 200, constrain: 'off' as const };
      const withContext = (await sampler.generate(opts)).map((t) => t.text);
      // The same draws as a zero-state sampler primed with the context itself, for every tune of the stream
      // (the fast stepper restores the state it kept after the first tune's context).
      const primed = (await sampler.generate({ ...opts, startContext: false, prime: `${START_CONTEXT}X:` })).map((t) => t.text);
      expect(primed.map((t) => t.slice(START_CONTEXT.length))).toEqual(withContext);
      const zero = (await sampler.generate({ ...opts, startContext: false })).map((t) => t.text);
      expect(zero).not.toEqual(withContext);
    } finally {
      sampler.dispose();
    }
  });

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

  describe('a chosen meter', () => {
    // The tiny model learned only 6/8 tunes: asking for 4/4 or 3/4 goes against everything it knows.
    const metersOf = (text: string) => [...text.matchAll(/^M:(.*)$/gm)].map((m) => m[1].replace(/\s+/g, ''));

    test.each(['meter', 'syntax'] as const)('constrain %s: the checker writes it on every M: line of every tune', async (constrain) => {
      const tunes = await sample(dir, { n: 4, seed: 3, maxLength: 300, meter: '4/4', constrain });
      for (const t of tunes) {
        // (Not every tune of this tiny model completes: its 27 characters cannot finish every key the checker
        // allows, `K:Cd…` wanting `Cdor`. That is the vocabulary, with or without a meter.)
        expect(t.text.startsWith('X:')).toBe(true);
        const meters = metersOf(t.text);
        expect(meters.length).toBeGreaterThan(0);
        expect(new Set(meters)).toEqual(new Set(['4/4']));
        // The header's M: came before its K: (the checker refuses K: first).
        if (t.text.includes('\nK:')) expect(t.text.indexOf('\nM:')).toBeLessThan(t.text.indexOf('\nK:'));
        // Forcing a meter the model does not expect takes mass away from it.
        expect(t.maskedMassMax).toBeGreaterThan(0.5);
      }
    });

    test('a bar the checker had to bend is drawn again from where it began, reproducibly', async () => {
      // 4/4 bars of a model that learned six-note 6/8 bars: where a bar runs out of room the checker takes most
      // of the model's choice, and the bar is drawn again (on the sampler's own stepper).
      const options = { n: 4, seed: 3, maxLength: 300, meter: '4/4', constrain: 'meter' as const };
      const tunes = await sample(dir, options);
      const s = Sampler.fromCheckpoint(await loadCheckpoint(dir));
      try {
        if (!s.usesFastPath) return; // bars are redrawn only where the stepper's state can be copied
      } finally {
        s.dispose();
      }
      expect(tunes.reduce((n, t) => n + t.barsRedrawn, 0)).toBeGreaterThan(0);
      for (const t of tunes.filter((t) => t.complete)) {
        const refused = parseTune(t.text).findings.filter((f) => f.severity === 'error' || REFUSED_WARNINGS.includes(f.code));
        expect(refused, t.text).toEqual([]);
      }
      expect((await sample(dir, options)).map((t) => t.text)).toEqual(tunes.map((t) => t.text));
      const free = await sample(dir, { ...options, constrain: 'off' });
      expect(free.every((t) => t.barsRedrawn === 0)).toBe(true);
    });

    test('constrain off: the model writes its own header and every M: line it opens says the meter', async () => {
      // Primed up to where every training tune writes 6/8 next: the model opens the M: line, the mask holds it.
      const tunes = await sample(dir, { n: 6, seed: 4, maxLength: 200, meter: ' 3 / 4 ', constrain: 'off', prime: 'X: 1\nT:Tune 3\nM:' });
      let meters = 0;
      for (const t of tunes) {
        expect(t.text.startsWith('X: 1\nT:Tune 3\nM:3/4\n')).toBe(true);
        for (const m of metersOf(t.text)) {
          expect(m).toBe('3/4');
          meters++;
        }
      }
      expect(meters).toBeGreaterThan(0);
      // The model wanted 6/8 there: holding the line took mass from it.
      expect(tunes.every((t) => t.maskedMassMax > 0)).toBe(true);
      const [given] = await sample(dir, { n: 1, maxLength: 50, meter: '3/4', constrain: 'off', prime: 'X:7\nM:3/4\nK:G\n' });
      expect(given.text.startsWith('X:7\nM:3/4\nK:G\n')).toBe(true);
    });

    test('meterLineMask holds only M: lines, for char and token symbols alike', () => {
      const symbols = ['M', ':', '6', '/', '8', '4', '\n', 'K', 'A', 'M:6/8', 'M:4/4', '|'];
      const allowed = (line: string) => {
        const mask = meterLineMask(symbols, line, '6/8');
        return mask === null ? null : symbols.filter((_, i) => mask[i]);
      };
      expect(allowed('GAB')).toBeNull();
      expect(allowed('K:G')).toBeNull();
      // At a line start everything may come but an M: line of another meter.
      expect(allowed('')).toEqual(symbols.filter((s) => s !== 'M:4/4'));
      expect(allowed('M')).toEqual([':']);
      expect(allowed('M:')).toEqual(['6']);
      expect(allowed('M:6/8')).toEqual(['\n']);
    });

    test('a prime that disagrees with the meter, or that the checker refuses, is an InputError naming where', async () => {
      await expect(sample(dir, { meter: '6/8', prime: 'X:1\nM:4/4\n' })).rejects.toThrow(
        /^prime: the prime cannot start a tune the checker accepts \(constrain: meter, meter 6\/8\): line 2: M:4 is not the meter chosen for this tune \(M:6\/8\), at character 7 \(after "X:1\\nM:4"\)/,
      );
      await expect(sample(dir, { prime: 'X:1\nK:G\n' })).rejects.toThrow(/^prime: .*line 2: M: must come before K:.*at character 5 \(after "X:1\\nK"\)/);
      await expect(sample(dir, { meter: '6/8', constrain: 'off', prime: 'X:1\nM:4/4\n' })).rejects.toThrow(/^prime: the prime writes M:4\/4, but the meter asked for is 6\/8/);
      await expect(sample(dir, { meter: '6/8', constrain: 'off', prime: 'X:1\nK:G\nGAB' })).rejects.toThrow(/^prime: the prime writes K: before any M: line/);
      // The same primes are fine where they agree.
      await expect(sample(dir, { meter: '6/8', prime: 'X:1\nM:6/8\n', maxLength: 30 })).resolves.toHaveLength(1);
    });

    test('a meter that is not one, or that the vocabulary cannot write, is an InputError at meter', async () => {
      await expect(sample(dir, { meter: 'jig' })).rejects.toThrow(/^meter: expected a meter like 6\/8, but got "jig"/);
      await expect(sample(dir, { meter: 'none', constrain: 'off' })).rejects.toThrow(InputError);
      // The tiny corpus's 27 characters hold every digit (X: runs to 40) but no '+'.
      await expect(sample(dir, { meter: '2+3/8', maxLength: 20 })).rejects.toThrow(/^meter: this model's vocabulary cannot write M:2\+3\/8/);
      // C| is writable: the checker writes it whole (no spaces inside) and the tune goes on to its K: line.
      const [cut] = await sample(dir, { meter: 'C|', maxLength: 120, seed: 2 });
      expect(cut.text).toMatch(/^M: *C\| *$/m);
      expect(cut.text).toMatch(/^K:/m);
    });
  });

  test('bad options throw InputError', async () => {
    await expect(sample(dir, { temperature: 0 })).rejects.toThrow(InputError);
    await expect(sample(dir, { topP: 1.5 })).rejects.toThrow(/top-p/);
    await expect(sample(dir, { prime: '☃' })).rejects.toThrow();
  });
});
