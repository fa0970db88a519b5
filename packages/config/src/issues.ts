import { InputError } from './errors';

/** One step of a path into a config: a mapping key (which may itself contain dots) or a list index. */
export type PathSegment = string | number;

/** One problem found in a config, at a YAML path; `line` is 1-based and known only for YAML input. */
export interface ConfigIssue {
  /** `train.optimizer.lr`, `parameters.model.layers.values[2]`; empty for the file as a whole. */
  path: string;
  line?: number;
  /** `expected a number > 0, got "abc"`, `unknown key; did you mean "epochs"?` */
  message: string;
}

/** `parameters` + `train.optimizer.lr` + `min` → `parameters.train.optimizer.lr.min`; indices as `[2]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** One issue as the user reads it: `train.epochs (line 12): expected a positive integer, got 0`. */
export function formatIssue(issue: ConfigIssue): string {
  const place = issue.line === undefined ? issue.path : `${issue.path} (line ${issue.line})`;
  return place ? `${place}: ${issue.message}` : issue.message;
}

/**
 * Every problem found in one config, thrown together so a user fixes them in one pass. The message holds one
 * issue per line, each prefixed with the file name when there is one (`sweep.yaml: train.epochs (line 12): …`),
 * so the CLI's one-line printing of an InputError still reads right line by line.
 */
export class ConfigError extends InputError {
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly file?: string,
  ) {
    const lines = issues.map(formatIssue);
    // The name stays `InputError`: callers that report input errors by name treat both alike.
    super(file ? lines.join(`\n${file}: `) : lines.join('\n'), file);
  }
}

/** How a value looks in `got …`: strings quoted, short lists and mappings as JSON, `nothing` when missing. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  const json = JSON.stringify(value);
  if (json.length <= 60) return json;
  return Array.isArray(value) ? `a list of ${value.length} items` : 'a mapping';
}

/** Collects issues while a config is walked; lines come from the YAML source when there is one. */
export class IssueList {
  readonly items: ConfigIssue[] = [];
  constructor(private readonly lineOf: (path: readonly PathSegment[]) => number | undefined = () => undefined) {}

  /** Records `message` at `path`, with the line of the path (or of its nearest ancestor found in the file). */
  add(path: readonly PathSegment[], message: string, linePath: readonly PathSegment[] = path): void {
    this.items.push({ path: formatPath(path), line: this.nearestLine(linePath), message });
  }

  /** Records `expected <what>, got <value>` at `path`. */
  expected(path: readonly PathSegment[], what: string, got: unknown): void {
    this.add(path, `expected ${what}, got ${describeValue(got)}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Throws one ConfigError with every issue, ordered by line (issues without a line first), if any. */
  throwIfAny(file?: string): void {
    if (this.items.length === 0) return;
    const sorted = this.items
      .map((issue, i) => ({ issue, i }))
      .sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || a.i - b.i)
      .map((x) => x.issue);
    throw new ConfigError(sorted, file);
  }

  private nearestLine(path: readonly PathSegment[]): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.lineOf(path.slice(0, n));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

/** `unknown key; did you mean "epochs"?`, or the list of known keys when none is close. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const close = closest(key, known);
  return close ? `unknown key; did you mean "${close}"?` : `unknown key; expected one of ${known.join(', ')}`;
}

/** The known name closest to `name` by edit distance, if close enough to be a plausible typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Two edits (or a third of a long name) catch `epoch`/`epochs`, `trian`/`train`, `runcap`/`run_cap`;
  // names of three letters or fewer get one edit, so `mu` does not become `min`.
  const allowed = name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
