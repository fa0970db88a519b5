import { describe, expect, it } from 'vitest';
import { parseFile, parseTune } from './parse';
import { formatFile, formatTune } from './format';
import { splitLines } from './split';
import { ABCISH, seededRandom } from '../testing';


function randomText(next: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = next();
    if (r < 0.7) s += ABCISH[Math.floor(next() * ABCISH.length)];
    else if (r < 0.8) s += '\nX:1\nK:G\n';
    else s += String.fromCharCode(Math.floor(next() * 0x10000)); // any UTF-16 unit, lone surrogates included
  }
  return s;
}

/** What must hold for any input: no throw, exact round trip, findings inside the tune. */
function expectSound(text: string): void {
  const tune = parseTune(text);
  expect(formatTune(tune)).toBe(text);
  const lines = Math.max(1, splitLines(text).length);
  const misplaced = tune.findings.filter(
    (f) => !(f.line >= 1 && f.line <= lines && f.col >= 1 && (f.severity === 'error' || f.severity === 'warning')),
  );
  expect(misplaced).toEqual([]);
  // parseTune turns its own exceptions into an `internal` finding; on any input there must be none.
  expect(tune.findings.filter((f) => f.code === 'internal')).toEqual([]);
}

const TUNES = [
  'X: 1\nT:A and D\n% Nottingham Music Database\nS:EF\nY:AB\nM:4/4\nK:A\nM:6/8\nP:A\nf|"A"ecc c2f|"A"ecc c2f|"A"ecc c2f|"Bm"BcB "E7"B2f|\n"A"ecc c2f|"A"ecc c2c/2d/2|"D"efe "E7"dcB| [1"A"Ace a2:|\n [2"A"Ace ag=g||\nK:D\nP:B\n"D"f2f Fdd|"D"AFA f2e/2f/2|\n',
  'X:2\nT:Everything\nM:C|\nL:1/8\nQ:1/4=120\nK:Ddor\n|:!trill!(3ABc {/g}[CEG]2 ~d>e f<g z2|[M:3/4]"^annot"A,,2 B\'c\' x2::\n[1 a2 b2 c2 d2:|[2 (ab)-b z6|]\nW:words\n',
];

describe('parsing never throws', () => {
  it('on random bytes (seeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = seededRandom(seed);
      const text = randomText(next, Math.floor(next() * 400));
      try {
        expectSound(text);
        const file = parseFile(text, 'random.abc');
        expect(formatFile(file)).toBe(text);
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).message}`);
      }
    }
  });

  it('on every truncation of hand-written tunes', () => {
    for (const tune of TUNES) {
      for (let n = 0; n <= tune.length; n++) expectSound(tune.slice(0, n));
    }
  });

  it('on tunes cut and spliced at random places (seeded)', () => {
    const next = seededRandom(42);
    for (let i = 0; i < 300; i++) {
      const a = TUNES[Math.floor(next() * TUNES.length)];
      const b = TUNES[Math.floor(next() * TUNES.length)];
      const text = a.slice(0, Math.floor(next() * a.length)) + b.slice(Math.floor(next() * b.length));
      expectSound(text);
    }
  });

  it('on pathological nesting and very long lines', () => {
    expectSound(`X:1\nK:C\n${'('.repeat(5000)}${'['.repeat(5000)}${'{'.repeat(2000)}${'"'.repeat(3)}`);
    expectSound(`X:1\nK:C\n${'|:'.repeat(3000)}${':|'.repeat(3000)}${'[1 A :|[2 A ||'.repeat(500)}`);
    expectSound(`X:1\nM:6/8\nK:C\n${'A>B'.repeat(20000)}`);
  });
});
