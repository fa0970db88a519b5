/**
 * What novelty compares: a tune's body and its bars, cut from its text without parsing it, so that even a
 * sample too broken to parse can be compared with the reference.
 */

/** A field line such as `T:Title` or `K:D` (a letter, a colon, at the start of the line). */
const FIELD_LINE = /^[A-Za-z]:/;

/**
 * The body of a tune: everything after its first `K:` line (the end of the header), with `\r\n` read as
 * `\n` and trailing whitespace removed — the part a model must not copy. Titles and other header fields
 * are left out because sharing them says nothing about the music.
 * A text with no `K:` line (a broken sample) has no header end; its body is then everything after its
 * leading field and comment lines, so a copied tune without a key is still caught.
 */
export function tuneBody(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let start = lines.findIndex((l) => l.startsWith('K:')) + 1;
  if (start === 0) {
    while (start < lines.length && (FIELD_LINE.test(lines[start]) || lines[start].startsWith('%'))) start++;
  }
  return lines.slice(start).join('\n').trimEnd();
}

/** Anything at the start of a bar that belongs to the bar line: `]` of `|]`, `:` of `|:`, a variant ending `[1`, `2`, `1,3`. */
const BAR_PREFIX = /^[\]:]*(\[?\d+([,-]\d+)*)?/;
/** Anything at the end of a bar that belongs to the next bar line: `:` of `:|`, `[` of `[|`. */
const BAR_SUFFIX = /[:[]+$/;
/** A bar has music when it holds a note or a rest (guitar chords and decorations alone do not count). */
const HAS_MUSIC = /[A-Ga-gzx]/;

/**
 * The bars of a body as normalized strings: music lines only (field lines and `%` comments dropped),
 * cut at bar lines, whitespace and the bar-line decorations (repeat colons, variant numbers) removed, so
 * `|: GAB c2d :|` and `| GABc2d |` give the same bar. Bars with no note or rest are dropped.
 */
export function bodyBars(body: string): string[] {
  const music = body
    .split('\n')
    .filter((l) => !FIELD_LINE.test(l))
    .map((l) => l.replace(/%.*$/, ''))
    .join('');
  const bars: string[] = [];
  for (const part of music.replace(/::/g, '|').split('|')) {
    const bar = part.replace(/\s+/g, '').replace(BAR_PREFIX, '').replace(BAR_SUFFIX, '');
    if (HAS_MUSIC.test(bar.replace(/"[^"]*"/g, ''))) bars.push(bar);
  }
  return bars;
}
