import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { runTunelab, type CliResult as Result } from './support/cli';
import { dataDirOrSkip } from './support/data';

const dataDir = dataDirOrSkip();
/** Runs the real `tunelab` bin with the data folder set. */
const tunelab = (args: string[]): Promise<Result> => runTunelab(args, { env: { TUNELAB_DATA_DIR: dataDir } });

const RUNS = {
  json: ['data', 'stats', '--corpus', 'nottingham', '--files', 'jigs', '--preprocessing', 'raw', '--json', '--val', '0', '--test', '0'],
  text: ['data', 'stats', '--files', 'jigs', '--val', '0.1', '--seed', '1'],
  unknownFile: ['data', 'stats', '--files', 'jig', '--json'],
  filesWithPath: ['data', 'stats', '--corpus', '/tmp', '--files', 'jigs'],
  pathCorpus: ['data', 'stats', '--corpus', join(dataDir ?? '.', 'jigs.abc'), '--val', '0', '--json'],
  missing: ['data', 'stats', '--corpus', 'no/such/folder', '--json'],
};
const results: Partial<Record<keyof typeof RUNS, Result>> = {};

describe.skipIf(!dataDir)(`tunelab data stats ${dataDir ? '' : '(skipped: set TUNELAB_DATA_DIR to the Nottingham files)'}`, () => {
  beforeAll(async () => {
    const names = Object.keys(RUNS) as (keyof typeof RUNS)[];
    const done = await Promise.all(names.map((n) => tunelab(RUNS[n])));
    names.forEach((n, i) => (results[n] = done[i]));
  }, 120_000);

  it('--json on raw jigs: 340 tunes, 129,665 characters, vocabulary 86, one JSON document on stdout', () => {
    const r = results.json!;
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ tunes: 340, chars: 129_665, vocabSize: 86, corpus: 'nottingham:jigs' });
    expect(s.batchesPerEpoch).toMatchObject({ batchSize: 16, seqLen: 64, stateful: 126 });
    expect(s.split.parts.train).toEqual({ tunes: 340, chars: 129_665, symbols: 129_665 });
  });

  it('prints split sizes for a text reader', () => {
    const r = results.text!;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tunes\s+340/);
    expect(r.stdout).toMatch(/characters\s+129,665/);
    expect(r.stdout).toMatch(/vocabulary\s+86 characters/);
    // The default split holds out 10% test too: the yardstick's 34 + 34 jigs.
    expect(r.stdout).toMatch(/train\s+272/);
    expect(r.stdout).toMatch(/val\s+34/);
    expect(r.stdout).toMatch(/test\s+34/);
  });

  it('an unknown file name: one line naming it and the known ones, exit 1', () => {
    const r = results.unknownFile!;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--files: unknown file "jig" in corpus nottingham: expected one of .*jigs/);
  });

  it('--files with a path corpus: says to name the files in --corpus, exit 1', () => {
    const r = results.filesWithPath!;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--files picks files of the named corpus "nottingham"; with a path corpus, name the files in --corpus/);
  });

  it('a path corpus: a file of the shared copy gives the same figures as the named corpus', () => {
    const r = results.pathCorpus!;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ tunes: 340, chars: 129_665, vocabSize: 86 });
  });

  it('a missing corpus path: one line naming it, exit 1', () => {
    const r = results.missing!;
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--corpus: corpus no\/such\/folder not found/);
  });
});
