import { describe, expect, it } from 'vitest';
import { METRIC_LAYOUT_V1 } from '@tunelab/abc';
import { MetricInputEncoder, metricInputIds } from './metric-inputs';
import { Vocabulary } from './vocabulary';

const TUNE = 'X:1\nT:t\nM:6/8\nL:1/8\nK:G\n|:A|d2e f2g|a3 a2f|d3 d2:|\n|:f|a2f g2e|d3 d2:|\n\n';

describe('MetricInputEncoder', () => {
  const vocab = Vocabulary.build(TUNE, 'char');
  const ids = vocab.encode(TUNE);

  it('a clone goes on as the original does, in its layout', () => {
    for (const layout of [undefined, METRIC_LAYOUT_V1]) {
      const whole = metricInputIds(vocab, ids, layout);
      const encoder = new MetricInputEncoder(vocab, layout);
      const half = Array.from(ids.subarray(0, 30), (id) => encoder.push(id));
      const clone = encoder.clone();
      expect(clone.layout).toEqual(encoder.layout);
      const rest = Array.from(ids.subarray(30), (id) => clone.push(id));
      expect([...half, ...rest]).toEqual(Array.from(whole));
    }
    // The layouts differ after the first :| (repeat 4) and after the first bar (phrase).
    expect(Array.from(metricInputIds(vocab, ids))).not.toEqual(Array.from(metricInputIds(vocab, ids, METRIC_LAYOUT_V1)));
  });

  it('refuses a vocabulary whose input ids would pass the int32 range', () => {
    const big = Vocabulary.fromData({ kind: 'token', symbols: ['<unk>', ...Array.from({ length: 1399 }, (_, i) => `s${i}`)] });
    expect(() => new MetricInputEncoder(big)).toThrow(/1400 symbols × 1557030 states pass the int32 range/);
    expect(() => new MetricInputEncoder(big, METRIC_LAYOUT_V1)).not.toThrow();
  });
});
