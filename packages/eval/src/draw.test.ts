import { describe, expect, it } from 'vitest';
import { CONSTRAIN_MODES } from '@tunelab/abc';
import { CONSTRAIN_SETTINGS } from '@tunelab/config';
import { CopiesError, drawNovelTunes, MAX_COPY_TRIES } from './draw';
import { tuneNovelty } from './novelty';
import { buildReference } from './reference';

/** A small real reference: three jigs as a training split holds them. */
const TRAINING = [
  'X:1\nT:The Kesh\nM:6/8\nL:1/8\nK:G\nGAG GAB|ABA ABd|edd gdd|edB dBA|GAG GAB|ABA ABd|edd gdB|AGF G3:|\n',
  "X:2\nT:Haste to the Wedding\nM:6/8\nL:1/8\nK:D\nAFA Agf|efe edB|AFA Agf|efe e2d|AFA Agf|efe edB|dfa afd|egf e2d:|\n",
  'X:3\nT:Saddle the Pony\nM:6/8\nL:1/8\nK:G\nGBG GBd|cAA AFD|GBG GBd|cAF G3|GBG GBd|cAA AFD|GBG GBd|cAF G2A:|\n',
].map((text, index) => ({ text, file: 'jigs.abc', index }));
const reference = buildReference(TRAINING);

/** New tunes (no long span shared with the training tunes). */
const NEW = [
  'X:1\nT:new one\nM:6/8\nL:1/8\nK:D\nDFA dAF|GBd gdB|Ace agf|edc d3|]\n',
  'X:2\nT:new two\nM:6/8\nL:1/8\nK:Em\nEGB eBG|FAd fdA|GBe gfe|dBA B3|]\n',
  'X:3\nT:new three\nM:6/8\nL:1/8\nK:A\nAce aec|Bdf bfd|cea c\'ba|fed e3|]\n',
];
/** The Kesh verbatim under another number and title: the body is what counts. */
const COPY = TRAINING[0].text.replace('X:1\nT:The Kesh', 'X:7\nT:Sampled');

interface FakeTune {
  text: string;
  maskedMassMean: number;
}

/** A stream over fixed texts that records how far it was read and whether it was closed. */
function fakeStream(texts: string[]) {
  const state = { taken: 0, closed: false };
  async function* gen(): AsyncGenerator<FakeTune> {
    try {
      for (const text of texts) {
        state.taken++;
        yield { text, maskedMassMean: 0.01 * state.taken };
      }
    } finally {
      state.closed = true;
    }
  }
  return { stream: gen(), state };
}

describe('drawNovelTunes', () => {
  it('the fixtures are what they claim: the copy is flagged, the new tunes are not', () => {
    expect(tuneNovelty(COPY, reference)).toMatchObject({ copy: true, nearest: 'jigs.abc#0' });
    for (const t of NEW) expect(tuneNovelty(t, reference).copy).toBe(false);
  });

  it('draws a verbatim training tune again, in its slot, and counts it', async () => {
    const { stream, state } = fakeStream([COPY, NEW[0], NEW[1], COPY, COPY, NEW[2], NEW[0]]);
    const r = await drawNovelTunes(stream, reference, { n: 3 });
    expect(r.tunes.map((t) => t.text)).toEqual([NEW[0], NEW[1], NEW[2]]);
    expect(r.tunes.map((t) => t.redraws)).toEqual([1, 0, 2]);
    expect(r.copiesRedrawn).toBe(3);
    // The fields of the stream's tunes are kept (here maskedMassMean of the 2nd, 3rd and 6th draw).
    expect(r.tunes.map((t) => t.maskedMassMean)).toEqual([0.02, 0.03, 0.06]);
    expect(state).toEqual({ taken: 6, closed: true });
  });

  it('fails after 5 copies in a row for one tune, saying so, rather than hand out a copy', async () => {
    const { stream, state } = fakeStream([NEW[0], ...Array.from({ length: 20 }, () => COPY)]);
    const err = await drawNovelTunes(stream, reference, { n: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CopiesError);
    expect((err as Error).message).toBe(
      'tune 2 of 2: 5 draws in a row were copies of training tunes (≥80% of the body as one span of jigs.abc#0); ' +
        'refusing to hand out a copy',
    );
    expect(err).toMatchObject({ slot: 1, tries: MAX_COPY_TRIES, copiesRedrawn: 5 });
    expect((err as CopiesError).accepted.map((t) => t.text)).toEqual([NEW[0]]);
    expect(state).toEqual({ taken: 1 + MAX_COPY_TRIES, closed: true });
  });

  it('maxTries sets how many copies a slot may draw', async () => {
    const { stream } = fakeStream([COPY, COPY, NEW[0]]);
    await expect(drawNovelTunes(stream, reference, { n: 1, maxTries: 2 })).rejects.toThrow(/tune 1 of 1: 2 draws in a row/);
    const again = fakeStream([COPY, COPY, NEW[0]]);
    expect((await drawNovelTunes(again.stream, reference, { n: 1, maxTries: 3 })).tunes[0].redraws).toBe(2);
  });

  it('allowCopies hands out the first n tunes as they come, without a reference', async () => {
    const { stream, state } = fakeStream([COPY, NEW[0], COPY]);
    const r = await drawNovelTunes(stream, null, { n: 2, allowCopies: true });
    expect(r.tunes.map((t) => t.text)).toEqual([COPY, NEW[0]]);
    expect(r.tunes.map((t) => t.redraws)).toEqual([0, 0]);
    expect(r.copiesRedrawn).toBe(0);
    expect(state).toEqual({ taken: 2, closed: true });
  });

  it('takes an iterator as well as an iterable, and says when the stream ends too early', async () => {
    const { stream } = fakeStream([NEW[0]]);
    await expect(drawNovelTunes(stream[Symbol.asyncIterator](), reference, { n: 2 })).rejects.toThrow(/the stream of tunes ended after 1 tunes, before 2/);
    await expect(drawNovelTunes(fakeStream([]).stream, null, { n: 1 })).rejects.toThrow(/a reference corpus is needed/);
  });
});

it("config's constrain values are @tunelab/abc's modes", () => {
  expect([...CONSTRAIN_SETTINGS]).toEqual([...CONSTRAIN_MODES]);
});
