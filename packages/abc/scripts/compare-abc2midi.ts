/**
 * Compares tunelab's checker with the outside checker `abc2midi -c` (Debian package abcmidi), tune by tune.
 *
 *   npx tsx packages/abc/scripts/compare-abc2midi.ts [--details] [files…]
 *
 * Without files it compares `jigs.abc` and `original/jigs.abc` under $TUNELAB_DATA_DIR.
 * A tune is flagged by abc2midi when abc2midi prints an `Error` or a bar-length warning
 * (`Bar N has … time units …`) on one of its lines; by tunelab when it has a finding of severity error.
 * Prints the agreement table (both / only tunelab / only abc2midi / neither) per file and, with --details,
 * every disagreement with both checkers' messages. A second table counts bar-length verdicts only: tunes where
 * tunelab has a `bar-length` finding against tunes where abc2midi warns that a bar has the wrong number of units.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseFile, splitLines } from '../src/index';

interface Verdict {
  file: string;
  line: number;
  number: string | null;
  title: string | null;
  tunelab: string[];
  abc2midi: string[];
}

const ABC2MIDI_FLAG = /^Error in line-char|Bar \d+ has .* time units/;

/** abc2midi's messages per file line (it reports `line-char L-C`). */
function runAbc2midi(path: string): Map<number, string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'abc2midi-'));
  try {
    const r = spawnSync('abc2midi', [path, '-c'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error) throw new Error(`cannot run abc2midi (${r.error.message}); install the Debian package abcmidi`);
    const byLine = new Map<number, string[]>();
    for (const msg of `${r.stdout}\n${r.stderr}`.split('\n')) {
      const m = /line-char (\d+)-(\d+) : (.*)$/.exec(msg);
      if (!m || !ABC2MIDI_FLAG.test(msg)) continue;
      const line = Number(m[1]);
      byLine.set(line, [...(byLine.get(line) ?? []), `${m[1]}:${m[2]} ${msg.startsWith('Error') ? 'error' : 'warning'} ${m[3]}`]);
    }
    return byLine;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both checkers' verdicts for every tune of a file. */
export function compareFile(path: string): Verdict[] {
  const text = readFileSync(path, 'utf8');
  const parsed = parseFile(text, path);
  const outside = runAbc2midi(path);
  return parsed.tunes.map((t) => {
    const first = t.source.line;
    const last = first + splitLines(t.source.text).length - 1;
    const abc: string[] = [];
    for (let l = first; l <= last; l++) abc.push(...(outside.get(l) ?? []));
    return {
      file: path,
      line: first,
      number: t.number,
      title: t.title,
      tunelab: t.findings.filter((f) => f.severity === 'error').map((f) => `${f.line}:${f.col} ${f.code} ${f.message}`),
      abc2midi: abc,
    };
  });
}

function main(argv: string[]): number {
  const details = argv.includes('--details');
  let files = argv.filter((a) => !a.startsWith('--'));
  if (files.length === 0) {
    const dir = process.env.TUNELAB_DATA_DIR;
    if (!dir) {
      process.stderr.write('compare-abc2midi: give ABC files, or set TUNELAB_DATA_DIR to the Nottingham folder\n');
      return 1;
    }
    files = [join(dir, 'jigs.abc'), join(dir, 'original', 'jigs.abc')];
  }
  const barRows: string[] = ['| file | both | only tunelab | only abc2midi | neither |', '|---|---|---|---|---|'];
  const rows: string[] = ['| file | tunes | both flag | only tunelab | only abc2midi | neither | agree | tunelab clean | abc2midi clean |', '|---|---|---|---|---|---|---|---|---|'];
  for (const f of files) {
    const verdicts = compareFile(resolve(f));
    const count = (a: boolean, b: boolean) => verdicts.filter((v) => (v.tunelab.length > 0) === a && (v.abc2midi.length > 0) === b).length;
    const both = count(true, true);
    const onlyT = count(true, false);
    const onlyA = count(false, true);
    const neither = count(false, false);
    const bars = (v: Verdict) => [v.tunelab.some((m) => / bar-length /.test(m)), v.abc2midi.some((m) => /time units/.test(m))];
    const barCount = (a: boolean, b: boolean) => verdicts.filter((v) => bars(v)[0] === a && bars(v)[1] === b).length;
    barRows.push(`| ${f} | ${barCount(true, true)} | ${barCount(true, false)} | ${barCount(false, true)} | ${barCount(false, false)} |`);
    rows.push(`| ${f} | ${verdicts.length} | ${both} | ${onlyT} | ${onlyA} | ${neither} | ${both + neither} | ${onlyA + neither} | ${onlyT + neither} |`);
    if (details) {
      for (const v of verdicts) {
        if (v.tunelab.length > 0 === v.abc2midi.length > 0) continue;
        process.stdout.write(`\n${f}:${v.line} X:${v.number} ${v.title ?? ''} — ${v.tunelab.length ? 'only tunelab' : 'only abc2midi'}\n`);
        for (const m of v.tunelab) process.stdout.write(`  tunelab  ${m}\n`);
        for (const m of v.abc2midi) process.stdout.write(`  abc2midi ${m}\n`);
      }
    }
  }
  process.stdout.write(`\nAny error (tunelab: a finding of severity error; abc2midi: an Error or a bar-length warning):\n\n${rows.join('\n')}\n`);
  process.stdout.write(`\nBar length only:\n\n${barRows.join('\n')}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
