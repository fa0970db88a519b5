import type { SourceFile, SourceTune } from './types';

/** Splits text into lines that keep their terminators (`\n`, `\r\n`, or none on the last). */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** A blank line ends a tune; whitespace-only lines count as blank (ABC 2.1 §2.2, and what abc2midi does). */
function isBlank(line: string): boolean {
  return /^[ \t\r\n]*$/.test(line);
}

/** `X:` in column 1 starts a tune. */
function startsTune(line: string): boolean {
  return line.startsWith('X:');
}

/**
 * Splits a multi-tune ABC file into its tunes and the text between them.
 * A tune starts at an `X:` line and ends before the first blank line (or before the next `X:` line,
 * or at the end of the file). Never throws; `file` defaults to `<text>`.
 */
export function splitFile(text: string, file = '<text>'): SourceFile {
  const lines = splitLines(text);
  const tunes: SourceTune[] = [];
  const gaps: string[] = [];
  let gap = '';
  // A byte-order mark belongs to the file, not to a first tune that starts on line 1.
  if (lines[0]?.startsWith('\uFEFF')) {
    gap = '\uFEFF';
    lines[0] = lines[0].slice(1);
  }
  let tune: SourceTune | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (tune && (isBlank(line) || startsTune(line))) {
      tunes.push(tune);
      tune = null;
    }
    if (!tune && startsTune(line)) {
      gaps.push(gap);
      gap = '';
      tune = { file, line: i + 1, index: tunes.length, text: line };
    } else if (tune) {
      tune.text += line;
    } else {
      gap += line;
    }
  }
  if (tune) tunes.push(tune);
  gaps.push(gap);
  return { file, tunes, gaps };
}

/** The tunes of a multi-tune ABC file (see `splitFile` for the rule, and for the text between tunes). */
export function splitTunes(text: string, file = '<text>'): SourceTune[] {
  return splitFile(text, file).tunes;
}

/** Rebuilds a file from its parts: the inverse of `splitFile`. */
export function joinFile(parts: { gaps: string[]; tunes: { text: string }[] }): string {
  let out = parts.gaps[0] ?? '';
  for (let i = 0; i < parts.tunes.length; i++) out += parts.tunes[i].text + (parts.gaps[i + 1] ?? '');
  return out;
}
