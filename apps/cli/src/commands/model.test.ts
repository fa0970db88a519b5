import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'apps/cli/bin/tunelab.mjs');
// Tests only: CI sets TUNELAB_DATA_DIR; the shared copy is the fallback on the development machine.
const dataDir = [process.env.TUNELAB_DATA_DIR, '/work/shared/data/nottingham'].find(
  (d): d is string => !!d && existsSync(join(d, 'jigs.abc')),
);

function tunelab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(dataDir ? { TUNELAB_DATA_DIR: dataDir } : {}) };
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A tiny corpus and run config, so train + generate take seconds. */
function tinyRun(): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-cli-train-'));
  const tunes = Array.from({ length: 30 }, (_, i) => `X: ${i + 1}\nT:T${i}\nM:6/8\nK:G\nGAB cde|dcB AGF|GAB cde|d3 G3|]\n`);
  writeFileSync(join(dir, 'tiny.abc'), tunes.join('\n'));
  const config = join(dir, 'tiny.yaml');
  writeFileSync(
    config,
    [
      'data: { corpus: tiny.abc, files: [], split: { val: 0.2, test: 0, seed: 1 } }',
      'model: { cell: lstm, embedding_dim: 8, layers: [16], dropout: 0.1 }',
      'train: { epochs: 1, batch_size: 4, seq_len: 16, checkpoint_every: 1, backend: cpu, optimizer: { name: adam, lr: 0.01 } }',
      '',
    ].join('\n').replace('tiny.abc', join(dir, 'tiny.abc')),
  );
  return { dir, config };
}

describe('tunelab model / train / generate', () => {
  it.skipIf(!dataDir)('model summary: the seed replica has 1,904,214 parameters (needs the Nottingham data)', async () => {
    const r = await tunelab(['model', 'summary', '--config', 'experiments/seed-replica.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.params).toBe(1_904_214);
    expect(out.vocabSize).toBe(86);
  });

  it('train writes checkpoints and a JSON result; generate samples tunes from one', async () => {
    const { dir, config } = tinyRun();
    const home = join(dir, 'home');
    const t = await tunelab(['train', '--config', config, '--epochs', '2', '--home', home, '--run-id', 'cli', '--best-by', 'val_accuracy', '--best-goal', 'maximize', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const result = JSON.parse(t.stdout);
    expect(result).toMatchObject({ runId: 'cli', epochs: 2, home, best: { metric: 'val_accuracy', goal: 'maximize' } });
    const accuracies = result.history.map((h: { metrics: { val_accuracy: number } }) => h.metrics.val_accuracy);
    expect(result.best.value).toBe(Math.max(...accuracies));
    expect(result.checkpoints.map((c: { epoch: number }) => c.epoch)).toEqual([1, 2]);
    expect(t.stderr).toMatch(/epoch 2: loss/);

    const out = join(dir, 'tunes.abc');
    const ckpt = join(home, 'checkpoints/cli/epoch-2');
    const [g, off, e] = await Promise.all([
      tunelab(['generate', '--checkpoint', ckpt, '-n', '3', '--max-length', '200', '--out', out, '--json']),
      tunelab(['generate', '--checkpoint', ckpt, '-n', '2', '--max-length', '200', '--constrain', 'off', '--allow-copies', '--json']),
      tunelab(['eval', '--checkpoint', ckpt, '-n', '2', '--constrain', 'syntax', '--no-abc2midi', '--json']),
    ]);
    expect(g.code, g.stderr).toBe(0);
    const generated = JSON.parse(g.stdout);
    expect(generated).toMatchObject({ constrain: 'meter', allowCopies: false, copiesRedrawn: expect.any(Number) });
    const tunes = generated.tunes as { text: string; maskedMassMean: number; maskedMassMax: number; redraws: number }[];
    expect(tunes).toHaveLength(3);
    expect(readFileSync(out, 'utf8')).toBe(tunes.map((t) => t.text).join('\n'));
    expect(tunes.map((t) => t.text.split('\n')[0])).toEqual(['X:1', 'X:2', 'X:3']); // numbered in order, whatever the model wrote
    for (const tune of tunes) {
      expect(Object.keys(tune).sort()).toEqual(['complete', 'maskedMassMax', 'maskedMassMean', 'redraws', 'text']);
      expect(tune.text.startsWith('X:')).toBe(true);
      expect(tune.maskedMassMean).toBeGreaterThanOrEqual(0);
      expect(tune.maskedMassMax).toBeLessThanOrEqual(1);
    }
    expect(generated.copiesRedrawn).toBe(tunes.reduce((a, t) => a + t.redraws, 0));

    expect(off.code, off.stderr).toBe(0);
    const unconstrained = JSON.parse(off.stdout);
    expect(unconstrained).toMatchObject({ constrain: 'off', allowCopies: true, copiesRedrawn: 0 });
    for (const tune of unconstrained.tunes) expect(tune).toMatchObject({ maskedMassMean: 0, maskedMassMax: 0, redraws: 0 });

    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ tunes: 2, constrain: 'syntax', maskedMassMean: expect.any(Number), copiesRedrawn: expect.any(Number), copiedTunes: 0 });
    // A corpus without jigs.abc has no yardstick, and says so rather than inventing one.
    expect(JSON.parse(e.stdout).yardstick).toEqual({ val_bpc_jigs: null, test_bpc_jigs: null, tunes: { val: 0, test: 0 } });

    // --meter and --prime: the model learned only 6/8 jigs.
    const metersOf = (text: string) => [...text.matchAll(/^M:(.*)$/gm)].map((m) => m[1].trim());
    const [reel, waltzOff, disagree, em] = await Promise.all([
      tunelab(['generate', '--checkpoint', ckpt, '-n', '2', '--max-length', '120', '--meter', '4/4', '--allow-copies', '--json']),
      tunelab(['generate', '--checkpoint', ckpt, '-n', '2', '--max-length', '60', '--meter', '3/4', '--constrain', 'off', '--prime', 'X:5\\nT:T1\\nM:', '--allow-copies', '--json']),
      tunelab(['generate', '--checkpoint', ckpt, '--meter', '6/8', '--prime', 'X:1\\nM:4/4\\n', '--allow-copies']),
      tunelab(['eval', '--checkpoint', ckpt, '-n', '2', '--meter', '6/8', '--no-abc2midi', '--json']),
    ]);
    expect(reel.code, reel.stderr).toBe(0);
    const reels = JSON.parse(reel.stdout);
    expect(reels.meter).toBe('4/4');
    for (const t of reels.tunes) {
      expect(metersOf(t.text).length).toBeGreaterThan(0);
      expect(new Set(metersOf(t.text))).toEqual(new Set(['4/4']));
    }
    expect(waltzOff.code, waltzOff.stderr).toBe(0);
    // The prime's header is kept and the file's tunes are numbered 1, 2, … as always; the M: line the prime
    // opens, where the model would write its 6/8, is held to 3/4, and so is any later one.
    JSON.parse(waltzOff.stdout).tunes.forEach((t: { text: string }, i: number) => {
      expect(t.text.startsWith(`X:${i + 1}\nT:T1\nM:3/4\n`)).toBe(true);
      for (const m of metersOf(t.text)) expect(m).toBe('3/4');
    });
    expect(disagree.code).toBe(1);
    expect(disagree.stderr).toMatch(/--prime: the prime cannot start a tune the checker accepts \(constrain: meter, meter 6\/8\): line 2: M:4 is not the meter chosen for this tune/);
    expect(em.code, em.stderr).toBe(0);
    const evaluated = JSON.parse(em.stdout);
    expect(evaluated).toMatchObject({ tunes: 2, meter: '6/8', meterReference: { meter: '6/8', tunes: evaluated.referenceTunes } });
    expect(evaluated.referenceTunes).toBeGreaterThan(0);
    expect(em.stderr).toMatch(/distributions compared with the \d+ training tunes in 6\/8/);
  });

  it('bad input exits 1 with a message naming the place', async () => {
    const missing = await tunelab(['generate', '--checkpoint', '/no/such/checkpoint']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\/no\/such\/checkpoint/);
    const [badFlag, badConstrain, badEvalConstrain, constrainWithoutCheckpoint] = await Promise.all([
      tunelab(['generate', '--checkpoint', '/x', '--temperature', '0']),
      tunelab(['generate', '--checkpoint', '/x', '--constrain', 'bars']),
      tunelab(['eval', '--checkpoint', '/x', '--constrain', 'strict']),
      tunelab(['eval', '--tunes', 'x.abc', '--corpus', 'nottingham', '--allow-copies']),
    ]);
    expect(badFlag.code).not.toBe(0);
    expect(badFlag.stderr).toMatch(/--temperature/);
    expect(badConstrain.code).toBe(1);
    expect(badConstrain.stderr).toMatch(/'--constrain <mode>' argument 'bars' is invalid\. Allowed choices are meter, syntax, off/);
    expect(badEvalConstrain.code).toBe(1);
    expect(badEvalConstrain.stderr).toMatch(/--constrain <mode>' argument 'strict' is invalid/);
    expect(constrainWithoutCheckpoint.code).toBe(1);
    expect(constrainWithoutCheckpoint.stderr).toMatch(/eval: --allow-copies is about sampling, so it needs --checkpoint <dir>/);
    const [badMeter, badEvalMeter, primeWithoutCheckpoint] = await Promise.all([
      tunelab(['generate', '--checkpoint', '/x', '--meter', 'jig']),
      tunelab(['eval', '--checkpoint', '/x', '--meter', '7']),
      tunelab(['eval', '--tunes', 'x.abc', '--corpus', 'nottingham', '--prime', 'X:']),
    ]);
    expect(badMeter.code).toBe(1);
    expect(badMeter.stderr).toMatch(/--meter: expected a meter like 6\/8, but got "jig"/);
    expect(badEvalMeter.code).toBe(1);
    expect(badEvalMeter.stderr).toMatch(/--meter: expected a meter like 6\/8, but got "7"/);
    expect(primeWithoutCheckpoint.code).toBe(1);
    expect(primeWithoutCheckpoint.stderr).toMatch(/eval: --prime is about sampling, so it needs --checkpoint <dir>/);
  });
});

describe('tunelab eval: why abc2midi refused', () => {
  it('lists each reason with the tunes it refused', async ({ skip }) => {
    const hasAbc2midi = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'abc2midi')));
    if (!hasAbc2midi) {
      if (process.env.CI === 'true') throw new Error('abc2midi is required in CI (CI=true) but was not found on PATH');
      return skip('abc2midi is not installed (Debian package abcmidi)');
    }
    const dir = mkdtempSync(join(tmpdir(), 'tunelab-cli-refused-'));
    const head = (n: number) => `X:${n}\nT:T${n}\nM:6/8\nL:1/8\nK:G\n`;
    writeFileSync(join(dir, 'ref.abc'), `${head(1)}GAB c2d|edc BAG|G6|]\n`);
    writeFileSync(join(dir, 'tunes.abc'), [`${head(1)}G3 -F2A|B6|]\n`, `${head(2)}G3 -F2A|B6|G6|]\n`, `${head(3)}GAB c2d|edc BA|G6|]\n`, `${head(4)}GAB c2d|B6|]\n`].join('\n'));
    const out = await tunelab(['eval', '--tunes', join(dir, 'tunes.abc'), '--corpus', join(dir, 'ref.abc')]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/abc2midi clean +25\.0%/);
    expect(out.stdout).toMatch(/ {2}refused: Could not find note to be tied +2 tunes\n +refused: Bar N has N time units while the time signature has N +1 tune\n/);
  });
});
