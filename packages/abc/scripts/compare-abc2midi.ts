/**
 * Compares tunelab's checker with the outside checker `abc2midi -c` (Debian package abcmidi), tune by tune.
 *
 *   npx tsx packages/abc/scripts/compare-abc2midi.ts [--details] [--mutate <seed>] [files…]
 *
 * With --mutate, each tune's body first gets 1–3 random one-character edits (delete, insert or replace with a
 * character of the same file; seeded), so the two checkers are also compared on near-miss ABC like a model's.
 * Without files it compares `jigs.abc` and `original/jigs.abc` under $TUNELAB_DATA_DIR.
 * A tune is flagged by abc2midi when abc2midi prints an `Error` or a bar-length warning
 * (`Bar N has … time units …`) on one of its lines; by tunelab when it has a finding of severity error.
 * Prints the agreement table (both / only tunelab / only abc2midi / neither) per file and, with --details,
 * every disagreement with both checkers' messages. A second table counts bar-length verdicts only: tunes where
 * tunelab has a `bar-length` finding against tunes where abc2midi warns that a bar has the wrong number of units.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseFile, splitTunes, type SourceTune } from '../src/index';

interface Verdict {
  file: string;
  line: number;
  number: string | null;
  title: string | null;
  tunelab: string[];
  abc2midi: string[];
}

const ABC2MIDI_FLAG = /^Error in line-char|Bar \d+ has .* time units/;

/**
 * abc2midi's verdict on one tune: its flagging messages, with lines counted in the file. Each tune is checked
 * on its own (written alone to a scratch file), because abc2midi stops for good on some input (a zero note-length
 * denominator ends the process) and would leave the rest of a file unchecked; that stop counts as an error.
 */
function runAbc2midi(tune: SourceTune, dir: string): string[] {
  const path = join(dir, 'tune.abc');
  writeFileSync(path, tune.text);
  const r = spawnSync('abc2midi', [path, '-c'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run abc2midi (${r.error.message}); install the Debian package abcmidi`);
  const out: string[] = [];
  for (const msg of `${r.stdout}\n${r.stderr}`.split('\n')) {
    const m = /line-char (\d+)-(\d+) : (.*)$/.exec(msg);
    if (!m || !ABC2MIDI_FLAG.test(msg)) continue;
    const line = Number(m[1]) + tune.line - 1;
    out.push(`${line}:${m[2]} ${msg.startsWith('Error') ? 'error' : 'warning'} ${m[3]}`);
  }
  if (r.status !== 0) out.push(`${tune.line}:0 error abc2midi stopped (${r.signal ?? `exit ${r.status}`})`);
  return out;
}

/** Both checkers' verdicts for every tune of a file. */
export function compareFile(path: string): Verdict[] {
  const text = readFileSync(path, 'utf8');
  const parsed = parseFile(text, path);
  const dir = mkdtempSync(join(tmpdir(), 'abc2midi-'));
  try {
    return parsed.tunes.map((t) => ({
      file: path,
      line: t.source.line,
      number: t.number,
      title: t.title,
      tunelab: t.findings.filter((f) => f.severity === 'error').map((f) => `${f.line}:${f.col} ${f.code} ${f.message}`),
      abc2midi: runAbc2midi(t.source, dir),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a copy of `path` whose tune bodies carry 1–3 random one-character edits; returns its path. */
function mutate(path: string, seed: number, dir: string): string {
  let state = seed % 2147483647 || 1;
  const rnd = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const text = readFileSync(path, 'utf8');
  const chars = [...new Set(text)].filter((c) => c !== '\n');
  const out = splitTunes(text, path).map((t) => {
    const lines = t.text.replace(/\n+$/, '').split('\n');
    const k = Math.max(0, lines.findIndex((l) => l.startsWith('K:')));
    let body = lines.slice(k + 1).join('\n');
    for (let n = 1 + Math.floor(rnd() * 3); n > 0 && body.length > 2; n--) {
      const p = 1 + Math.floor(rnd() * (body.length - 2));
      if (body[p] === '\n') continue;
      const c = chars[Math.floor(rnd() * chars.length)];
      const r = rnd();
      body = r < 1 / 3 ? body.slice(0, p) + body.slice(p + 1) : body.slice(0, p) + c + body.slice(r < 2 / 3 ? p : p + 1);
    }
    return `${[...lines.slice(0, k + 1), body].join('\n')}\n`;
  });
  const target = join(dir, `mutated-${seed}-${path.replace(/[^\w.-]+/g, '_')}`);
  writeFileSync(target, out.join('\n'));
  return target;
}

function main(argv: string[]): number {
  const details = argv.includes('--details');
  const m = argv.indexOf('--mutate');
  const seed = m >= 0 ? Number(argv[m + 1]) : null;
  if (seed !== null && !Number.isInteger(seed)) {
    process.stderr.write('compare-abc2midi: --mutate needs an integer seed\n');
    return 1;
  }
  let files = argv.filter((a, i) => !a.startsWith('--') && !(m >= 0 && i === m + 1));
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
  const scratch = seed !== null ? mkdtempSync(join(tmpdir(), 'abc-mutated-')) : null;
  for (const f of files) {
    const verdicts = compareFile(scratch ? mutate(resolve(f), seed!, scratch) : resolve(f));
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
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  return 0;
}

process.exitCode = main(process.argv.slice(2));
