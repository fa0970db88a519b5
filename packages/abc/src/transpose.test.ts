import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '@tunelab/config';
import { readKey, soundingPitches, transposeFile, transposeTune } from './transpose';
import { splitFile } from './split';

const tune = (key: string, body: string) => `X:1\nT:t\nM:4/4\nL:1/8\nK:${key}\n${body}\n`;
/** The body (the line after K:) of a one-line tune moved by n. */
const moved = (key: string, body: string, n: number) => transposeTune(tune(key, body), n).split('\n').slice(4, 6);

describe('transposeTune', () => {
  it('moves D major to E: key, plain letters, chord symbols', () => {
    expect(moved('D', '"D"DEFG ABcd|"A7"e2c2 A4|', 2)).toEqual(['K:E', '"E"EFGA Bcde|"B7"f2d2 B4|']);
  });

  it('gives the text back unchanged for 0 semitones', () => {
    const text = tune('Ador', '"Am"A^GA =F_B c\'|{ag}[CEG]2 z2 !trill!c4|] % comment');
    expect(transposeTune(text, 0)).toBe(text);
  });

  it('keeps the mode and spells minor keys and modes on the circle of fifths', () => {
    expect(moved('Em', 'EFGA B2e2|', 2)[0]).toBe('K:F#m');
    expect(moved('Am', 'ABcd e4|', 1)[0]).toBe('K:Bbm'); // five flats, not A#m's seven sharps
    expect(moved('Ador', 'ABcd e4|', 2)[0]).toBe('K:Bdor');
    expect(moved('Ador', 'ABcd e4|', 1)[0]).toBe('K:Bbdor');
    expect(moved('G Mixolydian % a comment', 'GABc d4|', -2)[0]).toBe('K:F Mixolydian % a comment');
    expect(moved('Dmix', 'DEFG A4|', 3)[0]).toBe('K:Fmix');
    expect(moved('G', 'GABc d4|', -1)[0]).toBe('K:F#'); // a tie at six: sharps stay sharps
    expect(moved('F', 'FGAB c4|', 1)[0]).toBe('K:Gb'); // … flats stay flats
    expect(moved('Bb', 'B4|', 4)[0]).toBe('K:D');
    // A dorian tune's F sharp is a chromatic note there; in B dorian it is G sharp.
    expect(moved('Ador', 'A^FGA =F4|', 2)[1]).toBe('B^GAB =G4|');
  });

  it('writes accidentals only where the new key and the bar do not already give the pitch', () => {
    // In G, c is C natural; the ^c lasts to the bar line, then =c cancels it.
    expect(moved('G', 'c^cc=c c2|c4|', 2)[1]).toBe('d^dd=d d2|d4|');
    // An accidental carries in its own octave only: the e' after ^e needs no mark, the e in another octave keeps its key.
    expect(moved('C', "^ce^c'c|", 2)[1]).toBe("^df^d'd|");
    // D major's E sharp (a raised 2nd) becomes E major's F double sharp; its repeat in the bar needs nothing.
    expect(moved('D', 'f^ef ^e2e|e4|', 2)[1]).toBe('g^^fg ^^f2f|f4|');
    // A note the key sharps but the bar made natural is written natural in the new key, for the whole bar.
    expect(moved('D', '=f2f2 f4|f4|', 2)[1]).toBe('=g2g2 g4|g4|');
    expect(moved('D', '=f2f2 f4|', -2)[1]).toBe('_e2e2 e4|');
    // B double sharp up a semitone is no B triple sharp but C double sharp; the bar's c then needs its sharp.
    expect(moved('Bbm', '^^B2B2 c2|', 1)).toEqual(['K:Bm', '^^c2c2 ^c2|']);
    // A cautionary accidental stays one.
    expect(moved('G', '^f4|', 2)[1]).toBe('^g4|');
  });

  it('crosses octaves with the marks the corpus uses', () => {
    expect(moved('C', 'B,B b b\'|', 1)[1]).toBe("Cc c' c''|");
    expect(moved('C', "C c c' C,|", -1)[1]).toBe('B, B b B,,|');
    expect(moved('G', 'G,A,B,C DEFG|', -7)[1]).toBe('C,D,E,F, G,A,B,C|');
  });

  it('moves the root and bass of chord symbols, and leaves annotations', () => {
    expect(moved('G', '"D7/F#"d2 "Gm/bb"g2 "(E7)"e2 "^Fine"c2|', 2)[1]).toBe('"E7/G#"e2 "Am/c"a2 "(F#7)"f2 "^Fine"d2|');
    expect(moved('D', '"D/f+"d4 "Em7"e4|', -5)[1]).toBe('"A/c+"A4 "Bm7"B4|');
    // No double sharps in chord symbols: D major's "E#dim" moved to E is "Gdim", not "F##dim".
    expect(moved('D', '"E#dim"^e4|', 2)[1]).toBe('"Gdim"^^f4|');
  });

  it('keeps lengths, decorations, grace notes, chords, ties, comments and other fields', () => {
    const text = 'X:3\nT:Tune with G in its title\nR:jig\nM:6/8\nL:1/8\nQ:1/4=120\nK:G % key\n' +
      '|:~G3 {/a}g2f|[GBd]2>[G2B2d2] !fermata!e/2f/2-f|(3GAB .c2 z2 % a comment G\nw:some words\n[K:D]DF|\nK:Em\nE4|]\n';
    expect(transposeTune(text, 2)).toBe(
      'X:3\nT:Tune with G in its title\nR:jig\nM:6/8\nL:1/8\nQ:1/4=120\nK:A % key\n' +
        '|:~A3 {/b}a2g|[Ace]2>[A2c2e2] !fermata!f/2g/2-g|(3ABc .d2 z2 % a comment G\nw:some words\n[K:E]EG|\nK:F#m\nF4|]\n',
    );
  });

  it('moves every tune of a file and keeps the text between them', () => {
    const file = '% header\n\nX:1\nT:a\nK:G\nGABc|\n\n\nX:2\nT:b\nK:Am\nABcd|\n';
    expect(transposeFile(file, -2)).toBe('% header\n\nX:1\nT:a\nK:F\nFGAB|\n\n\nX:2\nT:b\nK:Gm\nGABc|\n');
  });

  it('throws an InputError with file:line:col for keys it cannot move', () => {
    const attempt = (key: string) => () => transposeTune(`X:1\nT:t\nK:${key}\nABc|\n`, 2, { file: 'f.abc', line: 10 });
    expect(attempt('none')).toThrow(InputError);
    expect(attempt('none')).toThrow('f.abc:12:1: cannot transpose: K:none sets no tonic');
    expect(attempt('HP')).toThrow('f.abc:12:1');
    expect(attempt('Gxyz')).toThrow("unknown mode 'xyz'");
    expect(attempt('D ^g')).toThrow('explicit accidentals');
    expect(() => transposeTune('X:1\nT:t\nK:D\nAB [K:none] c|\n', 1, { file: 'f.abc' })).toThrow('f.abc:4:4: cannot transpose: K:none');
    expect(() => transposeTune('X:1\nT:t\nABc|\n', 1)).toThrow('<text>:3:1: cannot transpose: music before the first K: field');
    expect(() => transposeTune(tune('G', 'G'), 1.5)).toThrow(InputError);
  });

  it('reads keys: tonic, folded mode, signature', () => {
    expect(readKey('Ador')).toEqual({ tonic: 'A', mode: 'dorian', sharps: 1 });
    expect(readKey('F#m')).toEqual({ tonic: 'F#', mode: 'minor', sharps: 3 });
    expect(readKey(' Bb Aeolian clef=bass')).toEqual({ tonic: 'Bb', mode: 'minor', sharps: -5 });
    expect(readKey('E clef=treble')).toEqual({ tonic: 'E', mode: 'major', sharps: 4 });
    expect(readKey('Clocrian')).toEqual({ tonic: 'C', mode: 'locrian', sharps: -5 });
    expect(readKey('none')).toBeNull();
    expect(readKey('Hp')).toBeNull();
  });

  it('soundingPitches applies the key, bar accidentals per octave, and octave marks', () => {
    expect(soundingPitches(tune('D', 'F^cc c\'|c=F[Fa]{g}B,|'))).toEqual([66, 73, 73, 85, 73, 65, 65, 81, 79, 59]);
  });
});

// abc2abc (Debian `abcmidi`) is the reference: the test is skipped where it is not installed.
const DATA = process.env.TUNELAB_DATA_DIR ?? '/work/shared/data/nottingham';
const haveData = existsSync(join(DATA, 'jigs.abc'));
let haveAbc2abc = false;
try {
  execFileSync('abc2abc', ['-ver'], { stdio: 'pipe' });
  haveAbc2abc = true;
} catch {
  console.warn('skipping the abc2abc comparison: abc2abc (Debian abcmidi) is not installed');
}

describe.skipIf(!haveAbc2abc)('transposeTune against abc2abc -t n', () => {
  /** abc2abc's result for a text moved by n, cut into tunes (it prints warnings as % comment lines; -e drops them). */
  const abc2abc = (path: string, n: number) =>
    splitFile(execFileSync('abc2abc', [path, '-e', '-t', String(n)], { encoding: 'utf8', maxBuffer: 64 << 20 })).tunes.map((t) => t.text);

  it('agrees with abc2abc on the hand examples and a chromatic tune', () => {
    const text = tune('D', '"D"f^ef dcd|"G"=c^c_B =B2 b|"A7"^G,A,B, ^c\'2c\'2|{ag}[CE^G]2 =C2 ^^C2 C2|]');
    const path = join(mkdtempSync(join(tmpdir(), 'tunelab-transpose-')), 'chromatic.abc');
    writeFileSync(path, text);
    for (let n = -7; n <= 7; n++) {
      const [theirs] = abc2abc(path, n);
      expect(soundingPitches(transposeTune(text, n)), `n=${n}`).toEqual(soundingPitches(theirs));
    }
  });

  it.skipIf(!haveData)('gives the same pitches, note for note, on 40 Nottingham tunes for n = -5 … 6', () => {
    const files = readdirSync(DATA).filter((f) => f.endsWith('.abc')).sort();
    expect(files).toHaveLength(14);
    let compared = 0;
    // Three tunes from each file (spread through it), up to 40. abc2abc misreads one Nottingham tune whatever
    // the shift (reelsd-g.abc's first: it takes the `[+GB]` chords for `+…+` decorations): tunes whose
    // pitches abc2abc -t 0 changes are not compared (experiments/check-transpose.ts lists them).
    const misread: string[] = [];
    for (const f of files) {
      const path = join(DATA, f);
      const tunes = splitFile(readFileSync(path, 'utf8'), path).tunes;
      const same = abc2abc(path, 0);
      const readRight = (i: number) => soundingPitches(same[i]).join() === soundingPitches(tunes[i].text).join() || !misread.push(`${f}:${i + 1}`);
      const picks = [0, Math.floor(tunes.length / 2), tunes.length - 1].filter(readRight).slice(0, Math.min(3, 40 - compared));
      for (let n = -5; n <= 6; n++) {
        const theirs = abc2abc(path, n);
        expect(theirs).toHaveLength(tunes.length);
        for (const i of picks) {
          const ours = transposeTune(tunes[i].text, n, { file: path, line: tunes[i].line });
          const pitches = soundingPitches(ours);
          expect(pitches.length).toBeGreaterThan(0);
          expect(pitches, `${f} tune ${i + 1} n=${n}`).toEqual(soundingPitches(theirs[i]));
          expect(pitches, `${f} tune ${i + 1} n=${n} against the original`).toEqual(soundingPitches(tunes[i].text).map((p) => p + n));
        }
      }
      compared += picks.length;
    }
    expect(compared).toBe(40);
    expect(misread).toEqual(['reelsd-g.abc:1']);
  }, 120_000);
});
