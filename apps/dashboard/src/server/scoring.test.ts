import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { RunConfig } from '@tunelab/config';
import { evalScorer } from './scoring';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-score-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TUNES = [
  'X:1\nT:One\nM:6/8\nL:1/8\nK:G\n|:GAB cde|dBG AFD|GAB cde|dBA G3:|\n',
  'X:2\nT:Two\nM:6/8\nL:1/8\nK:D\n|:DFA dfa|gfe dcB|AFD EFG|FDD D3:|\n',
  'X:3\nT:Three\nM:6/8\nL:1/8\nK:A\n|:ecA ecA|fdB fdB|ecA ABc|BAG A3:|\n',
];

describe('evalScorer', () => {
  test('scores validity and novelty against the run’s training tunes', async () => {
    const corpus = join(dir, 'tiny.abc');
    writeFileSync(corpus, TUNES.join('\n'));
    const config = { data: { corpus, files: [], preprocessing: 'raw', vocabulary: 'char', split: { val: 0, test: 0, seed: 1 } } } as unknown as RunConfig;
    const [copy, fresh, broken] = await evalScorer({ abc2midi: false }).score(
      [TUNES[0], 'X:9\nT:New\nM:6/8\nL:1/8\nK:G\n|:BAG FGA|Bcd e2d|BAG FGA|G3 G3:|\n', 'X:1\nT:Bad\nM:6/8\nL:1/8\nK:G\n|GAB cde dBG|A2|GAB cde|dBA G3|\n'],
      config,
    );
    expect(copy.valid).toBe(true);
    expect(copy.novelty?.copy).toBe(true);
    expect(copy.novelty?.nearest).toMatch(/#0$/);
    expect(fresh.novelty?.copy).toBe(false);
    expect(fresh.novelty!.lcsShare).toBeLessThan(0.5);
    expect(broken.barsOk).toBe(false);
    expect(copy.abc2midiClean).toBeNull();
  });

  test('meters: those of the run’s training tunes, most first, labelled with their kinds; null without a corpus', async () => {
    const corpus = join(dir, 'kinds.abc');
    const reel = 'X:4\nT:Reel\nM:4/4\nL:1/8\nK:D\n|:DFAF dFAF|GBdB AFD2:|\n';
    const waltz = 'X:5\nT:Waltz\nM:3/4\nL:1/8\nK:G\n|:G2B2d2|g4d2|c2B2A2|G6:|\n';
    writeFileSync(corpus, [...TUNES, reel, reel.replace('X:4', 'X:6'), waltz].join('\n'));
    const config = { data: { corpus, files: [], preprocessing: 'raw', vocabulary: 'char', split: { val: 0, test: 0, seed: 1 } } } as unknown as RunConfig;
    const scorer = evalScorer({ abc2midi: false });
    expect(await scorer.meters(config)).toEqual([
      { meter: '6/8', label: 'jigs', tunes: 3 },
      { meter: '4/4', label: 'reels & hornpipes', tunes: 2 },
      { meter: '3/4', label: 'waltzes', tunes: 1 },
    ]);
    const missing = { data: { ...config.data, corpus: join(dir, 'missing.abc') } } as unknown as RunConfig;
    expect(await scorer.meters(missing)).toBeNull();
    expect(await scorer.meters(null)).toBeNull();
  });

  test('without a corpus, novelty is null rather than an error', async () => {
    const config = { data: { corpus: join(dir, 'missing.abc'), files: [], preprocessing: 'raw', vocabulary: 'char', split: { val: 0, test: 0, seed: 1 } } } as unknown as RunConfig;
    const [s] = await evalScorer({ abc2midi: false }).score([TUNES[1]], config);
    expect(s.valid).toBe(true);
    expect(s.novelty).toBeNull();
  });
});
