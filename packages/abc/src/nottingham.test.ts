import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile, type ParsedFile } from './parse';
import { formatFile, formatTune } from './format';
import { checkText } from './check';
import { abcTokens } from './vocab';

// The Nottingham files are never copied into the repository: CI points TUNELAB_DATA_DIR at them; on a
// developer machine the shared copy is the fallback (tests only).
const DATA = process.env.TUNELAB_DATA_DIR ?? '/work/shared/data/nottingham';
const present = existsSync(join(DATA, 'jigs.abc'));
if (!present) console.warn(`skipping the Nottingham tests: no jigs.abc in ${DATA} (set TUNELAB_DATA_DIR)`);

function abcFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.abc')).sort().map((f) => join(dir, f)) : [];
}

/** Each file is read and parsed once for all the tests below. */
const parsedFiles = new Map<string, { text: string; parsed: ParsedFile }>();
function load(path: string) {
  let entry = parsedFiles.get(path);
  if (!entry) {
    const text = readFileSync(path, 'utf8');
    parsedFiles.set(path, (entry = { text, parsed: parseFile(text, path) }));
  }
  return entry;
}

describe.skipIf(!present)('the Nottingham Music Database', () => {
  const cleaned = abcFiles(DATA);
  const original = abcFiles(join(DATA, 'original'));

  it('formats every file back byte for byte, cleaned and original', () => {
    expect(cleaned.length).toBe(14);
    for (const path of [...cleaned, ...original]) {
      const { text, parsed } = load(path);
      expect(formatFile(parsed), path).toBe(text);
      for (const t of parsed.tunes) expect(formatTune(t)).toBe(t.source.text);
    }
  });

  it('holds 1,034 tunes across the cleaned files (1,037 in the originals)', () => {
    const count = (paths: string[]) => paths.reduce((n, p) => n + load(p).parsed.tunes.length, 0);
    expect(count(cleaned)).toBe(1034);
    if (original.length > 0) expect(count(original)).toBe(1037);
  });

  it('parses all 1,034 tunes fast and finds most of them clean', () => {
    const texts = cleaned.map((p) => [p, load(p).text] as const);
    const start = performance.now();
    const checks = texts.map(([p, t]) => checkText(t, p));
    const ms = performance.now() - start;
    const tunes = checks.reduce((n, c) => n + c.tunes, 0);
    const bad = checks.reduce((n, c) => n + c.tunesWithErrors, 0);
    expect(tunes).toBe(1034);
    // The cleaned corpus is mostly valid; a checker that flagged a large share would be wrong.
    expect(bad / tunes).toBeLessThan(0.1);
    expect(ms).toBeLessThan(5000);
  });

  it('gives every jig header field a value and every jig a key and a 6/8 bar', () => {
    const { tunes } = load(join(DATA, 'jigs.abc')).parsed;
    expect(tunes).toHaveLength(340);
    expect(tunes.every((t) => t.key !== null && t.number !== null)).toBe(true);
    const sixEight = tunes.filter((t) => t.bars.some((b) => b.expected?.num === 3 && b.expected.den === 4));
    expect(sixEight.length).toBeGreaterThan(330);
  });

  it('cuts every jig into ABC tokens that join back to the tune', () => {
    const { tunes } = load(join(DATA, 'jigs.abc')).parsed;
    const vocab = new Set<string>();
    for (const t of tunes) {
      const tokens = abcTokens(t.source.text);
      expect(tokens.join('')).toBe(t.source.text);
      for (const tok of abcTokens(t.source.text, { spaces: false })) vocab.add(tok);
    }
    expect(vocab.has('M:6/8')).toBe(true);
    expect(vocab.has(':|')).toBe(true);
  });
});
