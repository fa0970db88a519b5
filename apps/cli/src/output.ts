/**
 * Command-line conventions shared by every command (README.md, "Output and errors"):
 * with `--json` stdout carries exactly one JSON document; progress, tables and logs go to stderr.
 */

/** An error the user caused (bad flag, bad file): printed without a stack, exit code 1. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Writes the one JSON document of a `--json` run to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Human-readable output: stdout normally, stderr under `--json` so stdout stays one document. */
export function say(json: boolean | undefined, text: string): void {
  (json ? process.stderr : process.stdout).write(`${text}\n`);
}

/** Logs and progress: always stderr. */
export function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Left-aligned text table with a header row, for terminals. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd();
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}
