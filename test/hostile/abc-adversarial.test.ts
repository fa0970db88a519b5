import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

import { runTunelab } from '../support/cli';

// Issue 21, item 1: no ABC text, however hostile, makes a parser user hang. Every entry point of
// @tunelab/abc must run in time linear in its input (chord symbols, fields, bar lines, tuplets …).

const HEAD = 'X:1\nT:Hostile\nM:4/4\nL:1/8\nK:G\n';
/** About the size of the longest line a hostile file or prompt could hold in one go. */
const N = 200_000;
const digits = (n: number) => '1'.repeat(n);
const spaces = (n: number) => ' '.repeat(n);

/** name → a whole tune (or file) text. Each is built to find a super-linear path if one exists. */
const INPUTS: Record<string, string> = {
  'chord symbol "A + 34 digits + A"': `${HEAD}"A${digits(34)}A"ABcd|\n`,
  'chord symbol with 200k digits': `${HEAD}"A${digits(N)}A"ABcd|\n`,
  'chord symbol: root, then 200k slashes and digits': `${HEAD}"A${'/1'.repeat(N / 2)}x"ABcd|\n`,
  'unclosed chord symbol over a 200k line': `${HEAD}"A${'m7'.repeat(N / 2)}\n`,
  '200k quotes': `${HEAD}${'"'.repeat(N)}A|\n`,
  'note with 200k digits': `${HEAD}A${digits(N)}x|\n`,
  'note with 200k slashes': `${HEAD}A${'/'.repeat(N)}x|\n`,
  'note with 200k octave marks': `${HEAD}a${"'".repeat(N)}|\n`,
  '200k accidentals': `${HEAD}${'^'.repeat(N)}|\n`,
  '200k opening parentheses': `${HEAD}${'('.repeat(N)}A|\n`,
  '200k closing parentheses': `${HEAD}A${')'.repeat(N)}|\n`,
  '200k exclamation marks': `${HEAD}${'!'.repeat(N)}A|\n`,
  'unclosed decoration over 200k letters': `${HEAD}!${'trill'.repeat(N / 5)}A|\n`,
  '200k plus signs': `${HEAD}${'+'.repeat(N)}A|\n`,
  'huge tuplet numbers': `${HEAD}(${digits(N / 3)}:${digits(N / 3)}:${digits(N / 3)}ABC|\n`,
  '100k tuplets in a row': `${HEAD}${'(3'.repeat(N / 2)}ABC|\n`,
  '200k opening brackets': `${HEAD}${'['.repeat(N)}A|\n`,
  '200k closing brackets': `${HEAD}A${']'.repeat(N)}|\n`,
  'chord of 100k notes': `${HEAD}[${'Ac'.repeat(N / 2)}]|\n`,
  'chord with 200k octave marks then digits': `${HEAD}[A${"'".repeat(N / 2)}${digits(N / 2)}x]|\n`,
  'unclosed grace notes': `${HEAD}{${'g'.repeat(N)}A|\n`,
  '200k braces': `${HEAD}${'{'.repeat(N)}A|\n`,
  'inline field over 200k characters': `${HEAD}[K:${'G'.repeat(N)}A|\n`,
  'bar line with a 200k ending list': `${HEAD}ABcd|${'1,'.repeat(N / 2)}1\n`,
  'variant ending of 200k digits': `${HEAD}ABcd[${digits(N)}x\n`,
  '200k colons': `${HEAD}AB${':'.repeat(N)}x|\n`,
  '200k bar lines': `${HEAD}AB${'|'.repeat(N)}\n`,
  '200k backslashes': `${HEAD}AB${'\\'.repeat(N)}\n`,
  'a 200k-character line of music': `${HEAD}${'ABcd efga|'.repeat(N / 10)}\n`,
  '20k short lines of music': `${HEAD}${'ABcd efga|\n'.repeat(N / 10)}`,
  'M: then 200k spaces': `X:1\nM:1${spaces(N)}x\nL:1/8\nK:G\nABcd|\n`,
  'M: ( then 200k spaces': `X:1\nM:(${spaces(N)}x\nK:G\nABcd|\n`,
  'M: sum of 100k numbers': `X:1\nM:${'1+'.repeat(N / 2)}x\nK:G\nABcd|\n`,
  'L: then 200k spaces': `X:1\nM:4/4\nL:1${spaces(N)}x\nK:G\nABcd|\n`,
  'Q: 50k fractions run together': `X:1\nM:4/4\nQ:1/${'111/'.repeat(N / 4)}x\nK:G\nABcd|\n`,
  'Q: then 200k spaces': `X:1\nM:4/4\nQ:1/4${spaces(N)}x\nK:G\nABcd|\n`,
  'K: then 200k spaces': `X:1\nM:4/4\nK:G${spaces(N)}x\nABcd|\n`,
  'T: of 200k words': `X:1\n${'T:'}${'a '.repeat(N / 2)}x\nM:4/4\nK:G\nABcd|\n`,
  'X: of 200k digits': `X:${digits(N)}\nM:4/4\nK:G\nABcd|\n`,
  '%%MIDI gchord then 200k spaces': `${HEAD}%%MIDI gchord${spaces(N)}x\nABcd|\n`,
  '%%MIDI then 200k spaces': `${HEAD}%%MIDI${spaces(N)}\nABcd|\n`,
  'a comment of 200k characters': `${HEAD}%${'ab '.repeat(N / 3)}\nABcd|\n`,
  '200k spaces then a letter': `${HEAD}${spaces(N)}x\n`,
  '20k tunes in one file': 'X:1\nM:4/4\nK:G\nABcd|\n\n'.repeat(N / 10),
  '200k carriage returns': `${HEAD}AB${'\r'.repeat(N)}cd|\n`,
};

/**
 * Per entry point and input. parseTune and checkText read 200k characters in under a second on an idle
 * machine, the TuneChecker (more per character: bar room, completability) in about one to three. The bounds
 * leave room for a loaded CI machine (measured at up to 1.3 s and 14 s with the load average at 14 on two
 * cores), while a quadratic path (minutes at 200k characters) or an exponential one cannot meet them.
 */
const BOUND_MS: Record<string, number> = { parseTune: 8_000, checkText: 8_000, TuneChecker: 15_000 };

interface Outcome {
  times: Record<string, number>;
  /** The entry point still running when the bound ran out, if any. */
  hung: string | null;
}

/** Runs the entry points on `text` in a worker, terminating it once one of them passes its bound. */
function fuzzOne(text: string): Promise<Outcome> {
  return new Promise((done, fail) => {
    const worker = new Worker(new URL('./support/abc-fuzz-boot.mjs', import.meta.url), { workerData: { text } });
    const times: Record<string, number> = {};
    let running: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void worker.terminate();
        done({ times, hung: running });
      }, BOUND_MS[running!]);
    };
    worker.on('message', (m: { entry?: string; started?: boolean; ms?: number; done?: boolean }) => {
      if (m.done) {
        clearTimeout(timer);
        void worker.terminate();
        done({ times, hung: null });
      } else if (m.started) {
        running = m.entry!;
        arm(); // the bound holds for each entry point from its start (the worker's own start is not counted)
      } else if (m.entry) {
        times[m.entry] = m.ms!;
        running = null;
      }
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
}

describe('adversarial ABC: every parser entry point stays within a time bound', () => {
  for (const [name, text] of Object.entries(INPUTS)) {
    it(`${name} (${text.length.toLocaleString('en')} characters)`, { timeout: 90_000 }, async () => {
      const { times, hung } = await fuzzOne(text);
      expect(hung, `${hung} ran past ${hung && BOUND_MS[hung]} ms on ${name}; finished: ${JSON.stringify(times)}`).toBeNull();
      for (const [entry, bound] of Object.entries(BOUND_MS)) expect(times[entry], entry).toBeLessThan(bound);
    });
  }
});

describe('tunelab abc check on the chord symbol that used to hang', () => {
  it('"A + 34 digits + A" is checked in under 6 s, the CLI start included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abc-hostile-'));
    const file = join(dir, 'chord.abc');
    writeFileSync(file, `${HEAD}"A${digits(34)}A"ABcd efga|ABcd efga|]\n`);
    const t = performance.now();
    // The child is killed at 30 s so a regression fails here rather than at the test's timeout.
    const r = await runTunelab(['abc', 'check', file, '--json'], { timeoutMs: 30_000 });
    const ms = performance.now() - t;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tunes).toBe(1);
    expect(ms).toBeLessThan(6_000);
  });
});
