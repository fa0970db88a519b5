import YAML from 'yaml';
import { ConfigError, type ConfigIssue, formatPath, type PathSegment } from './issues';

/**
 * A parsed YAML config: its plain value plus where each path sits in the text, so validation can name lines.
 *
 * Written against what the `yaml` package's v1 and v2 share (`parseDocument`, node `range`, `items`, `Pair`
 * `key`/`value`, `toJSON`), with our own offset → line table rather than v2's `LineCounter`: the workspace
 * root currently resolves `yaml` to 1.10 (hoisted for another package), and this keeps working when
 * @tunelab/config gets its own v2.
 */
export interface YamlSource {
  /** The document as plain data (mappings → objects, sequences → arrays); undefined for an empty file. */
  value: unknown;
  /** 1-based line of the key at `path` (of the item, for list items), if the path is in the file. */
  lineOf(path: readonly PathSegment[]): number | undefined;
  /** The scalar's text as written (`0.0`, `1e-3`), to tell `min: 0.0` (a float) from `min: 0` (an int). */
  rawOf(path: readonly PathSegment[]): string | undefined;
}

/** Anything with a `range`, in either `yaml` major: `[start, …]` on nodes, `{ start }` on v1 CST ranges. */
type Ranged = { range?: unknown };

/**
 * Parses YAML text. Syntax errors throw one ConfigError whose issues read `file:line:col: message`;
 * duplicate keys are reported as `path (line N): duplicate key`.
 */
export function readYaml(text: string, file?: string): YamlSource {
  const lines = lineStarts(text);
  const position = (offset: number) => {
    const line = lineIndex(lines, offset);
    return { line: line + 1, col: offset - lines[line] + 1 };
  };

  const doc = YAML.parseDocument(text, { prettyErrors: false } as never) as unknown as {
    errors: unknown[];
    contents: unknown;
    toJSON(): unknown;
  };
  const syntax: ConfigIssue[] = [];
  for (const err of doc.errors as Array<Record<string, any>>) {
    // Both majors flag repeated keys; the walk below reports them with the key's own line.
    if (err.code === 'DUPLICATE_KEY' || /keys must be unique/i.test(String(err.message))) continue;
    const offset = errorOffset(err);
    const where = offset === undefined ? undefined : position(offset);
    const message = String(err.message)
      .split('\n')[0]
      .replace(/\s+at line \d+, column \d+:?\s*$/, '');
    syntax.push({ path: where ? `${file ?? '<yaml>'}:${where.line}:${where.col}` : (file ?? '<yaml>'), message });
  }
  // The file name is already in each issue's path, so the error carries no second prefix.
  if (syntax.length > 0) throw new ConfigError(syntax);

  const value = doc.toJSON() ?? undefined;
  const keyLines = new Map<string, number>();
  const raws = new Map<string, string>();
  const duplicates: ConfigIssue[] = [];

  const walk = (node: unknown, plain: unknown, path: PathSegment[], keyNode?: unknown) => {
    const id = pathId(path);
    const start = rangeStart(keyNode) ?? rangeStart(node);
    if (start !== undefined) keyLines.set(id, position(start).line);
    const items = (node as { items?: unknown[] } | null)?.items;
    if (!Array.isArray(items)) {
      const s = rangeStart(node);
      const end = rangeEnd(node);
      if (s !== undefined && end !== undefined) raws.set(id, text.slice(s, end).trim());
      return;
    }
    if (Array.isArray(plain)) {
      items.forEach((item, i) => walk(item, plain[i], [...path, i]));
      return;
    }
    const seen = new Set<string>();
    for (const pair of items as Array<{ key?: unknown; value?: unknown }>) {
      const key = scalarValue(pair.key);
      if (key === undefined) continue;
      if (seen.has(key)) {
        const start = rangeStart(pair.key);
        duplicates.push({
          path: formatPath([...path, key]),
          line: start === undefined ? undefined : position(start).line,
          message: 'duplicate key',
        });
      }
      seen.add(key);
      const child = plain && typeof plain === 'object' ? (plain as Record<string, unknown>)[key] : undefined;
      walk(pair.value, child, [...path, key], pair.key);
    }
  };
  walk(doc.contents, value, []);
  if (duplicates.length > 0) throw new ConfigError(duplicates, file);

  return {
    value,
    lineOf: (path) => (path.length === 0 ? undefined : keyLines.get(pathId(path))),
    rawOf: (path) => raws.get(pathId(path)),
  };
}

function pathId(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

function scalarValue(node: unknown): string | undefined {
  if (node === null || node === undefined) return undefined;
  if (typeof node !== 'object') return String(node);
  const v = (node as { value?: unknown }).value;
  return v === undefined || v === null ? undefined : String(v);
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Ranged | null | undefined)?.range;
  if (Array.isArray(r) && typeof r[0] === 'number') return r[0];
  const start = (r as { start?: unknown } | undefined)?.start;
  return typeof start === 'number' ? start : undefined;
}

function rangeEnd(node: unknown): number | undefined {
  const r = (node as Ranged | null | undefined)?.range;
  if (Array.isArray(r) && typeof r[1] === 'number') return r[1];
  const end = (r as { end?: unknown } | undefined)?.end;
  return typeof end === 'number' ? end : undefined;
}

/** v2 errors carry `pos: [start, end]`; v1 errors point at a CST node (`source.range`). */
function errorOffset(err: Record<string, any>): number | undefined {
  if (Array.isArray(err.pos) && typeof err.pos[0] === 'number') return err.pos[0];
  return rangeStart(err.source);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function lineIndex(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
