import { describe, expect, test } from 'vitest';
import { evaluateTunes } from './evaluate';
import { buildReference, referenceOfMeter } from './reference';

const JIG = 'X:1\nT:Jig\nM:6/8\nL:1/8\nK:G\n|:GAB cde|dBG AFD|GAB cde|dBA G3:|\n';
const REEL = 'X:2\nT:Reel\nM: 4/4\nL:1/8\nK:D\n|:DFAF dFAF|GBdB AFD2:|\n';
const WALTZ = 'X:3\nT:Waltz\nM:3/4\nL:1/8\nK:G\n|:G2B2d2|g4d2|c2B2A2|G6:|\n';

describe('referenceOfMeter', () => {
  const reference = buildReference([
    { text: JIG, file: 'jigs', index: 0 },
    { text: REEL, file: 'reels', index: 4 },
    { text: WALTZ, file: 'waltzes', index: 2 },
    { text: JIG.replace('X:1', 'X:9'), file: 'jigs', index: 7 },
  ]);

  test('keeps the tunes whose header meter it is (spaces ignored), with their names', () => {
    expect(referenceOfMeter(reference, '6/8').tunes.map((t) => t.id)).toEqual(['jigs#0', 'jigs#7']);
    expect(referenceOfMeter(reference, '4/4').tunes.map((t) => t.id)).toEqual(['reels#4']);
    expect(referenceOfMeter(reference, '9/8').tunes).toHaveLength(0);
  });

  test('evaluateTunes compares distributions with distributionReference, novelty with the whole reference', async () => {
    const samples = [JIG.replace('GAB cde|dBG', 'BAG cde|dBG')];
    const whole = await evaluateTunes(samples, reference, { abc2midi: false });
    const jigs = await evaluateTunes(samples, reference, { abc2midi: false, distributionReference: referenceOfMeter(reference, '6/8') });
    expect(whole.distributions.reference.meter).toEqual({ '6/8': 0.5, '4/4': 0.25, '3/4': 0.25 });
    expect(whole.distributions.distance.meter).toBeCloseTo(0.5);
    expect(jigs.distributions.reference.meter).toEqual({ '6/8': 1 });
    expect(jigs.distributions.distance.meter).toBe(0);
    expect(jigs.referenceTunes).toBe(4);
    expect(jigs.perTune![0].novelty).toEqual(whole.perTune![0].novelty);
  });
});
