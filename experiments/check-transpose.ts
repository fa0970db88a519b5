/**
 * The full check of `transposeTune` against abc2abc (Debian `abcmidi`): every tune of the 14 Nottingham files
 * moved by n = −5 … 6 semitones both ways, and the MIDI pitches the two results sound compared note for note
 * (`soundingPitches`: key signature, accidentals to the end of the bar in their octave, octave marks).
 * Also checks tunelab's result against the original's pitches + n (needs no abc2abc), and the chord symbols'
 * roots and basses as pitch classes. Prints counts and the first mismatches explained:
 *
 *   TUNELAB_DATA_DIR=<folder of the Nottingham .abc files> npx tsx experiments/check-transpose.ts [n…]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexTune, parseTune, soundingPitches, splitFile, transposeTune } from '@tunelab/abc';

const DATA = process.env.TUNELAB_DATA_DIR;
if (!DATA) throw new Error('set TUNELAB_DATA_DIR to the folder of the Nottingham .abc files');
const shifts = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6];
const files = readdirSync(DATA).filter((f) => f.endsWith('.abc')).sort();

/** abc2abc's tunes for a file moved by n: its stdout cut at X: lines (it writes a blank line between tunes). */
function abc2abc(path: string, n: number): string[] {
  const out = execFileSync('abc2abc', [path, '-e', '-t', String(n)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return splitFile(out).tunes.map((t) => t.text);
}

const NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
const STEP: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
/** Pitch classes of every chord symbol's root and bass, in order. */
function chordClasses(text: string): number[] {
  const out: number[] = [];
  for (const t of lexTune(text).tokens) {
    if (t.kind !== 'guitar-chord' || /^"[\^_<>@]/.test(t.text)) continue;
    for (const m of t.text.matchAll(/(?:^"|[\s/(])([A-Ga-g])([#b]*)/g)) {
      out.push((STEP[m[1].toUpperCase()] + [...m[2]].reduce((a, c) => a + (c === '#' ? 1 : -1), 0) + 120) % 12);
    }
  }
  return out;
}

function firstDifference(a: number[], b: number[]): string {
  const i = a.findIndex((p, k) => p !== b[k]);
  const at = i < 0 ? Math.min(a.length, b.length) : i;
  return `${a.length} vs ${b.length} notes; note ${at + 1}: ${a[at] ?? '–'} vs ${b[at] ?? '–'}`;
}

/** The music line of `text` holding its k-th note (1-based), for the explanation. */
function lineOfNote(text: string, k: number): string {
  let seen = 0;
  for (const t of lexTune(text).tokens) {
    if (t.kind === 'note') seen++;
    else if (t.kind === 'chord' || t.kind === 'grace') seen += t.notes?.length ?? 0;
    if (seen >= k) return text.split('\n')[t.line - 1] ?? '';
  }
  return '';
}

const started = Date.now();
let total = 0;
let matched = 0;
let selfOk = 0;
let chordsOk = 0;
let findingsOk = 0;
const findingMismatches: string[] = [];
/** What `tunelab abc check` says about a tune, by line (columns move as accidentals and octave marks are added). */
const findings = (text: string) => parseTune(text).findings.map((x) => `${x.line} ${x.code}`).join(', ');
const errors: string[] = [];
const mismatches: string[] = [];
/** Tunes whose pitches abc2abc changes even at -t 0: it misreads them, whatever tunelab does. */
const misread = new Set<string>();
let misreadMismatches = 0;
const selfMismatches: string[] = [];
const chordMismatches: string[] = [];
for (const f of files) {
  const path = join(DATA, f);
  const source = splitFile(readFileSync(path, 'utf8'), path).tunes;
  abc2abc(path, 0).forEach((text, i) => {
    if (source[i] && soundingPitches(text).join() !== soundingPitches(source[i].text).join()) misread.add(`${f}:${source[i].line}`);
  });
  for (const n of shifts) {
    const theirs = abc2abc(path, n);
    if (theirs.length !== source.length) errors.push(`${f} n=${n}: abc2abc wrote ${theirs.length} tunes, the file has ${source.length}`);
    source.forEach((tune, i) => {
      total++;
      const where = `${f}:${tune.line} (tune ${i + 1}) n=${n}`;
      let ours: string;
      let expected: number[];
      try {
        ours = transposeTune(tune.text, n, { file: path, line: tune.line });
        expected = soundingPitches(tune.text).map((p) => p + n);
      } catch (err) {
        errors.push(`${where}: ${(err as Error).message}`);
        return;
      }
      const mine = soundingPitches(ours);
      if (mine.join() === expected.join()) selfOk++;
      else selfMismatches.push(`${where}: original + n vs tunelab: ${firstDifference(expected, mine)}`);
      const other = theirs[i] === undefined ? [] : soundingPitches(theirs[i]);
      if (other.join() === mine.join()) matched++;
      else {
        if (misread.has(`${f}:${tune.line}`)) misreadMismatches++;
        const k = mine.findIndex((p, j) => p !== other[j]) + 1 || Math.min(mine.length, other.length) + 1;
        mismatches.push(
          `${where}: abc2abc vs tunelab: ${firstDifference(other, mine)}\n    original: ${lineOfNote(tune.text, k)}\n    tunelab:  ${lineOfNote(ours, k)}\n    abc2abc:  ${lineOfNote(theirs[i] ?? '', k)}`,
        );
      }
      if (findings(ours) === findings(tune.text)) findingsOk++;
      else findingMismatches.push(`${where}: findings ${findings(tune.text) || 'none'} became ${findings(ours) || 'none'}`);
      const cOurs = chordClasses(ours);
      const cWant = chordClasses(tune.text).map((p) => (p + n + 120) % 12);
      if (cOurs.join() === cWant.join()) chordsOk++;
      else chordMismatches.push(`${where}: chord roots/basses ${cWant.map((p) => NAMES[p]).join(' ')} vs ${cOurs.map((p) => NAMES[p]).join(' ')}`);
    });
  }
}

const show = (title: string, list: string[]) => {
  if (list.length === 0) return;
  console.log(`\n${title} (${list.length}; first 10):`);
  for (const m of list.slice(0, 10)) console.log(`  ${m}`);
};
console.log(`files: ${files.length}, tunes × shifts: ${total} (shifts ${shifts.join(' ')}), ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`same pitches as abc2abc -t n, note for note: ${matched} matched, ${total - matched} mismatched`);
if (misread.size > 0) {
  console.log(`  of the mismatches, ${misreadMismatches} are in tunes abc2abc -t 0 already plays differently from the original: ${[...misread].join(', ')}`);
}
console.log(`same pitches as the original + n:            ${selfOk} matched, ${total - selfOk} mismatched`);
console.log(`chord symbols' roots and basses moved by n:  ${chordsOk} matched, ${total - chordsOk} mismatched`);
console.log(`abc check's findings (code, line) unchanged:       ${findingsOk} matched, ${total - findingsOk} mismatched`);
show('errors', errors);
show('mismatches with abc2abc', mismatches);
show('mismatches with the original + n', selfMismatches);
show('chord-symbol mismatches', chordMismatches);
show('findings changed', findingMismatches);
