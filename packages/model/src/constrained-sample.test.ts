import { describe, expect, test } from 'vitest';
import { parseTune, REFUSED_WARNINGS } from '@tunelab/abc';
import { Vocabulary } from '@tunelab/dataset';
import { buildModel, disposeModel } from './build';
import { Sampler } from './sample';
import type { ModelSpec } from './spec';

/** Text whose symbols make the vocabulary: the characters and tokens of ABC that tunes use. */
const ABC = `X:1
T:A jig to take symbols from
M:6/8
L:1/8
K:G
|:D|"G"GAB c2d|e3 d2B|"C"c2e "D7"d2c|(3BAG F2 G3-G2:|
|:g|"G"g2d B2G|"Am"A2c e>dc|[1"D"d3 -d2:|[2"G"g3 g2||
% a comment
P:B
z/2B/2 ^c=d_e A,, B' z6 !trill!c ~d {ag}[CEG]4 "Em7/B"e/4f/8 c'/16 e3/2 |] :: [| x4 \\
M:3/4
K:Dm
`;

const refused = (text: string, mode: 'meter' | 'syntax') =>
  parseTune(text).findings.filter((f) => (f.severity === 'error' || REFUSED_WARNINGS.includes(f.code)) && !(mode === 'syntax' && f.code === 'bar-length'));

describe('constrained sampling from an untrained model', () => {
  for (const kind of ['char', 'token'] as const) {
    test(`writes tunes abc check accepts (${kind} vocabulary, meter and syntax)`, async () => {
      const vocab = Vocabulary.build(ABC, kind);
      const spec: ModelSpec = { cell: 'lstm', embeddingDim: 8, layers: [16], dropout: 0, stateful: true };
      const model = buildModel(spec, vocab.size, { batchSize: 1, seqLen: null, seed: 3 });
      const sampler = Sampler.fromModel(model, spec, vocab, 3);
      try {
        for (const mode of ['meter', 'syntax'] as const) {
          // From a zero state: the start context means nothing to an untrained model and only moves its
          // random state, and from that state fewer of these tunes finished within the budget.
          const tunes = await sampler.generate({ n: 6, seed: 5, maxLength: 300, constrain: mode, startContext: false });
          const complete = tunes.filter((t) => t.complete);
          expect(complete.length, tunes.map((t) => t.text).join('\n')).toBeGreaterThanOrEqual(5);
          for (const t of complete) expect(refused(t.text, mode), t.text).toEqual([]);
          for (const t of tunes) {
            expect(t.maskedMassMean).toBeGreaterThan(0); // a random model offers much that cannot be written
            expect(t.maskedMassMax).toBeGreaterThanOrEqual(t.maskedMassMean);
          }
        }
        // Without the checker the same model writes tunes abc check refuses: the test above can fail.
        const free = await sampler.generate({ n: 6, seed: 5, maxLength: 300, constrain: 'off', startContext: false });
        expect(free.filter((t) => refused(t.text, 'meter').length > 0).length).toBeGreaterThan(3);
        expect(free.every((t) => t.maskedMassMean === 0)).toBe(true);
      } finally {
        sampler.dispose();
        disposeModel(model);
      }
    });
  }
});
