/**
 * Tune-level split. The unit is the tune, never a window of text: a validation loss measured on windows cut
 * from tunes the model trained on rewards memorisation, which is exactly the seed's failure.
 */
import { InputError } from '@tunelab/config';
import type { Corpus, CorpusSplit, CorpusTune } from './types';
import { createRng } from './rng';

/** Shares of tunes held out, and the seed that picks them. */
export interface SplitSpec {
  val: number;
  test: number;
  seed: number;
}

/**
 * Splits a corpus by tune, **per file**: within each source file a seeded shuffle (the same seed for every file)
 * picks round(n × val) validation tunes and round(n × test) test tunes (at least one each when its share is
 * above 0); the rest train. A file's held-out tunes therefore depend only on that file and the seed: the
 * jigs held out by a jigs-only run are exactly those held out when the config adds reels or waltzes, so
 * metrics on them (`val_bpc_jigs`) compare across runs. Each part keeps the corpus order, so `val: 0, test: 0`
 * gives every tune to training in file order, as the seed did.
 * Same corpus and seed → same split; a tune is in exactly one part.
 * @throws InputError when a share is outside [0, 1), the shares leave a file no training tune, or seed is not an integer.
 */
export function splitCorpus(corpus: Corpus, split: SplitSpec): CorpusSplit {
  const { val, test, seed } = split;
  for (const [key, v] of [['val', val], ['test', test]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) {
      throw new InputError(`expected a share in [0, 1), but got ${JSON.stringify(v)}`, `data.split.${key}`);
    }
  }
  if (!Number.isInteger(seed)) throw new InputError(`expected an integer seed, but got ${JSON.stringify(seed)}`, 'data.split.seed');
  const byFile = new Map<string, number[]>();
  corpus.tunes.forEach((t, i) => {
    const list = byFile.get(t.file);
    if (list) list.push(i);
    else byFile.set(t.file, [i]);
  });
  const part = new Uint8Array(corpus.tunes.length); // 0 train, 1 val, 2 test
  for (const [file, members] of byFile) {
    const n = members.length;
    const count = (share: number) => (share > 0 ? Math.max(1, Math.round(n * share)) : 0);
    const nVal = count(val);
    const nTest = count(test);
    if (nVal + nTest >= n) {
      const where = byFile.size > 1 ? ` of ${file}` : '';
      throw new InputError(
        `expected val + test to leave training tunes, but val ${val} and test ${test} hold out ${nVal + nTest} of ${n} tunes${where}`,
        'data.split',
      );
    }
    const order = createRng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
    for (let k = 0; k < nVal; k++) part[members[order[k]]] = 1;
    for (let k = nVal; k < nVal + nTest; k++) part[members[order[k]]] = 2;
  }
  const out: CorpusSplit = { train: [], val: [], test: [] };
  const parts: CorpusTune[][] = [out.train, out.val, out.test];
  corpus.tunes.forEach((t, i) => parts[part[i]].push(t));
  return out;
}
