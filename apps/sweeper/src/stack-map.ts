import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// One parsed map per generated file (null: it has none); parsed on the first failure that needs it.
const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  return map;
}

// `file:///…/x.mjs:12:34` or `/…/x.js:12:34` inside a stack frame.
const LOCATION = /(file:\/\/\/[^\s()]+?|\/[^\s():]+?)\.([cm]?js):(\d+):(\d+)/g;

/**
 * A stack trace with every position in a generated file that has a source map beside it (`<file>.map`, as the
 * worker bundle has) replaced by the original file, line and column: what `--enable-source-maps` prints, but
 * paid for only when an error is reported rather than by parsing the map each time a worker starts. Positions
 * without a map, or that the map does not cover, are left as they are.
 */
export function sourceMappedStack(stack: string): string {
  return stack.replace(LOCATION, (whole: string, base: string, ext: string, line: string, column: string) => {
    const file = `${base.startsWith('file:') ? fileURLToPath(base) : base}.${ext}`;
    const map = mapOf(file);
    if (!map) return whole;
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
    if (!entry.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
    const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : resolve(dirname(file), entry.originalSource);
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
