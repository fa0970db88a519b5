import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { SuffixAutomaton } from './suffix-automaton';

/** Brute force: the longest substring of q inside one of docs, and a doc that holds it. */
function bruteLongest(docs: string[], q: string): number {
  let best = 0;
  for (let i = 0; i < q.length; i++) {
    for (let j = q.length; j > i + best; j--) {
      if (docs.some((d) => d.includes(q.slice(i, j)))) {
        best = j - i;
        break;
      }
    }
  }
  return best;
}

/** Seeded pseudo-random strings over a small alphabet, so that long shared spans are common. */
function strings(seed: number, count: number, maxLen: number, alphabet: string): string[] {
  const out: string[] = [];
  let k = 0;
  for (let i = 0; i < count; i++) {
    const h = createHash('sha256').update(`${seed}:${i}`).digest();
    const len = 1 + (h[0] % maxLen);
    let s = '';
    for (let j = 0; j < len; j++) {
      const b = createHash('sha256').update(`${seed}:${i}:${j}:${k++}`).digest()[0];
      s += alphabet[b % alphabet.length];
    }
    out.push(s);
  }
  return out;
}

describe('SuffixAutomaton', () => {
  it('finds the longest verbatim span and the document that holds it', () => {
    const sam = new SuffixAutomaton(['GABc d2e|fed', 'ABC DEF', 'xyzGABc d2']);
    const m = sam.longestMatch('..GABc d2e|f..');
    expect(m.length).toBe('GABc d2e|f'.length);
    expect(m.start).toBe(2);
    expect(m.doc).toBe(0);
    expect(sam.longestMatch('zzz').length).toBe(1);
    expect(sam.longestMatch('qqq')).toEqual({ length: 0, start: 0, doc: -1 });
    expect(sam.contains('DEF')).toBe(true);
    expect(sam.contains('FDEF')).toBe(false);
  });

  it('never matches across the boundary between two documents', () => {
    const sam = new SuffixAutomaton(['abcdef', 'ghijkl']);
    // 'efgh' exists only in the concatenation 'abcdefghijkl'.
    expect(sam.longestMatch('efgh').length).toBe(2);
    expect(sam.contains('fg')).toBe(false);
  });

  it('agrees with brute force on random documents, and names a document that really contains the match', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const docs = strings(seed, 6, 40, 'ab|c');
      const sam = new SuffixAutomaton(docs);
      for (const q of strings(seed + 1000, 10, 30, 'ab|cd')) {
        const m = sam.longestMatch(q);
        expect(m.length).toBe(bruteLongest(docs, q));
        if (m.length > 0) expect(docs[m.doc]).toContain(q.slice(m.start, m.start + m.length));
      }
    }
  });

  it('indexes a large reference (speed: npm run bench, not here)', () => {
    const docs = strings(7, 400, 800, 'abcdefgABCDEFG|23 /');
    const sam = new SuffixAutomaton(docs);
    for (const d of docs.slice(0, 50)) expect(sam.longestMatch(d).length).toBe(d.length);
  });
});
