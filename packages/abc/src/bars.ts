import { ZERO, add, compare, div, equals, frac, formatFraction, isZero, mul } from './fraction';
import { defaultUnitLength, fieldValue, parseMeter, parseUnitLength } from './fields';
import type { Bar, Fraction, Meter, Token, Tune } from './types';

/**
 * Bars and the bar-length rule.
 *
 * A bar is the music between two bar lines. Its duration is the sum of its notes, rests and chords (grace
 * notes take no time); it should equal the M: in effect where the bar starts.
 *
 * The rule follows the tune in playing order — through its repeats and variant endings (`[1 [2 |1 :|2`; a
 * `:|` goes back to the last `|:` or `::`, else to the end of the last finished repeat or part, else to the
 * start of the tune; `||` after the last ending finishes a repeat) — because a bar may be split by a section
 * boundary: a pickup and the short last bar of a repeated section make one bar between them.
 * Walking that path:
 *   - a plain bar line `|` closes the bar: its accumulated length must be exactly the meter's;
 *   - a section bar line (`|| |] [| |: :| ::`) closes it only when it is full or over; a short bar there
 *     carries over and is completed by what is played next (the pickup of the next section, or the first bar
 *     of the repeat); notes before a variant ending that starts mid-bar belong to both passes;
 *   - the first bar of the tune may be short (an anacrusis), and so may the last (it completes the anacrusis);
 *   - a part label in the body (`P:B`) ends a section like `||` and starts a new one (its repeat starts there);
 *   - a bar carried across a section line is measured against the meter where it closes (as abc2midi does;
 *     it matters only when the meter changes at a section line);
 *   - a multi-bar rest `Z4` lasts four bars; music after a voice overlay `&` adds no time to its bar;
 *   - bars under M:none are not checked; each voice (V:) is followed on its own.
 * Each bar is reported at most once, as short or long, at the bar where the shortfall starts.
 * This is the playing-order model abc2midi uses (so the two mostly agree), with one difference: a first bar
 * that is too long is reported (abc2midi never checks the first bar).
 */

/** How a bar ends: a bar line's kind; `part` a P: field in the body; `split` a variant ending that starts mid-bar. */
type CloseKind = 'single' | 'double' | 'rep-start' | 'rep-end' | 'double-rep' | 'part' | 'split' | null;

interface RawBar {
  start: Token | null;
  duration: Fraction;
  timed: boolean;
  /** Bars of multi-bar rests (`Z4`) in it: such a bar should last that many bars. */
  restBars: number;
  expected: Fraction | null;
  unit: Fraction;
  meterText: string;
  close: Token | null;
  closeKind: CloseKind;
  ending: number[] | null;
}

function closeKind(text: string): { kind: CloseKind; ending: number[] | null } {
  const m = /^(.*?)(\d+(?:[,-]\d+)*)?$/.exec(text)!;
  const t = m[1];
  const ending = m[2] ? parseEnding(m[2]) : null;
  const left = t.startsWith(':');
  const right = t.endsWith(':');
  let kind: CloseKind;
  if ((left && right) || /^:+$/.test(t)) kind = 'double-rep';
  else if (left) kind = 'rep-end';
  else if (right) kind = 'rep-start';
  else if (t === '|') kind = 'single';
  else kind = 'double';
  return { kind, ending };
}

/** `1`, `1,3`, `1-3` → [1], [1, 3], [1, 2, 3]. */
function parseEnding(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (b === undefined) out.push(a);
    else for (let k = a; k <= b && k - a < 16; k++) out.push(k);
  }
  return out;
}

/** The meter and unit length in effect before the tune's own fields (from the file header). */
export interface BarStart {
  meter: Meter;
  unitLength: Fraction;
  unitLengthSet: boolean;
}

const NO_FILE_HEADER: BarStart = { meter: { text: '', barLength: null }, unitLength: defaultUnitLength(null), unitLengthSet: false };

/** The bars of one voice. */
interface Voice {
  bars: RawBar[];
  bar: RawBar;
  pendingEnding: number[] | null;
  /** The `|:` waiting for its `:|`. */
  openRepeat: Token | null;
}

/**
 * Cuts the body into bars, one list per voice (V:), noting the meter and unit length in effect at each
 * bar's start.
 */
function cutBars(tune: Tune, start: BarStart): RawBar[][] {
  let meter: Meter = start.meter;
  let unit = start.unitLength;
  let unitSet = start.unitLengthSet;
  const fresh = (ending: number[] | null): RawBar => ({
    start: null,
    duration: ZERO,
    timed: false,
    restBars: 0,
    expected: meter.barLength,
    unit,
    meterText: meter.text,
    close: null,
    closeKind: null,
    ending,
  });
  const voices = new Map<string, Voice>();
  const voiceFor = (id: string): Voice => {
    let v = voices.get(id);
    if (!v) voices.set(id, (v = { bars: [], bar: fresh(null), pendingEnding: null, openRepeat: null }));
    return v;
  };
  // Music before any V: belongs to the first voice, `V:1` (as abc2midi reads it).
  let voice = voiceFor('1');
  let inBody = false;
  let continued = false; // the last music line ended with a backslash
  let overlay = false; // after `&` in this bar: the music sounds with what came before, and takes no more time
  const closeWith = (kind: CloseKind, token: Token | null, nextEnding: number[] | null = null) => {
    voice.bar.close = token;
    voice.bar.closeKind = kind;
    voice.bars.push(voice.bar);
    voice.bar = fresh(nextEnding);
  };
  for (const t of tune.tokens) {
    if (t.kind === 'field' || t.kind === 'inline-field') {
      const body = t.kind === 'inline-field' ? t.text.slice(1, -1) : t.text;
      const letter = body[0];
      const value = fieldValue(body.slice(2));
      // A part label in the body (`P:B`) starts a new section: the previous part may end mid-bar, as at `||`.
      // Other P: text (`P:3`, `P:\>`, `P:turn` in the original Nottingham files, often inside a line continued
      // with a backslash) marks a spot in the middle of a bar and changes nothing.
      if (letter === 'P' && inBody && !continued && /^[A-Z]\d*$/.test(value)) closeWith('part', null);
      if (letter === 'K') inBody = true;
      if (letter === 'V' && inBody) voice = voiceFor(value.split(/\s/)[0] ?? '');
      if (letter === 'M') {
        const m = parseMeter(value);
        if (m) {
          meter = m;
          if (!unitSet && !inBody) unit = defaultUnitLength(m);
        }
      } else if (letter === 'L') {
        const l = parseUnitLength(value);
        if (l) {
          unit = l;
          unitSet = true;
        }
      }
      if (!voice.bar.timed) {
        voice.bar.expected = meter.barLength;
        voice.bar.meterText = meter.text;
        voice.bar.unit = unit;
      }
      continue;
    }
    if (t.kind === 'continuation') continued = true;
    else if (t.kind !== 'newline' && t.kind !== 'space' && t.kind !== 'comment') continued = false;
    if (t.kind === 'ending') {
      // `BAG [1 A3 :|`: the notes before a mid-bar ending are common to both passes.
      if (voice.bar.timed) closeWith('split', null);
      voice.bar.ending = parseEnding(t.text.slice(1));
      continue;
    }
    if (t.kind === 'overlay') overlay = true;
    if (t.kind === 'bar') {
      overlay = false;
      const { kind, ending } = closeKind(t.text);
      if (kind === 'rep-start') {
        if (voice.openRepeat) {
          const o = voice.openRepeat;
          tune.findings.push({
            severity: 'warning',
            code: 'repeat-structure',
            message: `${t.text} starts a repeat while the one started by ${o.text} at ${o.line}:${o.col} has no :| yet`,
            line: t.line,
            col: t.col,
          });
        }
        voice.openRepeat = t;
      } else if (kind === 'rep-end') {
        voice.openRepeat = null;
      } else if (kind === 'double-rep') {
        voice.openRepeat = t;
      }
      closeWith(kind, t, ending);
      continue;
    }
    if (t.duration && !overlay) {
      inBody = true;
      const bar = voice.bar;
      if (!bar.timed) {
        bar.timed = true;
        bar.start = t;
        bar.expected = meter.barLength;
        bar.meterText = meter.text;
        bar.unit = unit;
      }
      bar.duration = add(bar.duration, t.duration);
      if (t.bars !== undefined) bar.restBars += t.bars;
    }
  }
  const out: RawBar[][] = [];
  for (const v of voices.values()) {
    if (v.bar.timed || v.bar.ending) v.bars.push(v.bar);
    if (v.bars.length > 0) out.push(v.bars);
  }
  return out;
}

const SECTION_END = new Set<CloseKind>(['double', 'rep-start', 'rep-end', 'double-rep', 'part']);

function describe(d: Fraction, unit: Fraction): string {
  const units = div(d, unit);
  return `${formatFraction(d)} (${formatFraction(units)} × L:${formatFraction(unit)})`;
}

type Verdicts = Map<RawBar, { status: 'short' | 'long'; message: string }>;

/**
 * Cuts a parsed tune's body into bars, checks their lengths (the rule is at the top of this file), adds
 * `bar-length` findings to `tune.findings` and returns the bars that hold music, in source order.
 */
export function checkBars(tune: Tune, start: BarStart = NO_FILE_HEADER): Bar[] {
  const voices = cutBars(tune, start);
  const verdict: Verdicts = new Map();
  for (const bars of voices) playThrough(bars, verdict);
  const all = voices.flat().sort((a, b) => (a.start?.offset ?? a.close?.offset ?? 0) - (b.start?.offset ?? b.close?.offset ?? 0));
  const out: Bar[] = [];
  // A bar cut in two by a mid-bar variant ending is reported as one bar.
  const next = new Map<RawBar, RawBar>();
  for (const voiceBars of voices) voiceBars.forEach((b, i) => voiceBars[i + 1] && next.set(b, voiceBars[i + 1]));
  const joined = new Map<RawBar, Bar>();
  for (const b of all) {
    if (!b.timed) continue;
    const v = verdict.get(b);
    const status = b.expected === null ? 'unchecked' : (v?.status ?? 'ok');
    const head = joined.get(b);
    let bar: Bar;
    if (head) {
      bar = head;
      bar.duration = add(bar.duration, b.duration);
      bar.closedBy = b.close?.text ?? null;
      if (status !== 'ok') bar.status = status;
    } else {
      bar = {
        index: out.length,
        line: b.start?.line ?? tune.source.line,
        col: b.start?.col ?? 1,
        duration: b.duration,
        expected: b.expected,
        closedBy: b.close?.text ?? null,
        status,
      };
      out.push(bar);
    }
    const after = next.get(b);
    if (b.closeKind === 'split' && after) joined.set(after, bar);
    if (v) {
      tune.findings.push({
        severity: 'error',
        code: 'bar-length',
        message: `bar ${bar.index + 1} ${v.message}`,
        line: b.start?.line ?? bar.line,
        col: b.start?.col ?? bar.col,
      });
    }
  }
  return out;
}

/** Walks the bars in playing order and records each bar whose length does not fit. */
function playThrough(bars: RawBar[], verdict: Verdicts): void {
  let pass = 1;
  let repeatFrom = 0;
  let acc = ZERO;
  let accFrom = -1; // the bar where the accumulated length started
  let barsDone = 0;
  let inEnding = false;
  let steps = 0;
  const limit = bars.length * 4 + 16;
  const flag = (i: number) => {
    const at = accFrom >= 0 ? accFrom : i;
    const b = bars[at];
    if (verdict.has(b) || !b.expected) return;
    const long = compare(acc, b.expected) > 0;
    const expected = `M:${b.meterText} needs ${describe(b.expected, b.unit)}`;
    const message =
      at === i
        ? `lasts ${describe(acc, b.unit)} but ${expected}`
        : `lasts ${describe(bars[at].duration, b.unit)} and ends at a section bar line, but what is played after it does not complete it (${describe(acc, b.unit)} in all; ${expected})`;
    verdict.set(b, { status: long ? 'long' : 'short', message });
  };
  /** A bar should last the meter's bar, or n of them when it holds a multi-bar rest `Zn`. */
  const want = (b: RawBar) => (b.restBars > 0 && b.expected ? mul(b.expected, frac(b.restBars)) : b.expected!);
  const close = (i: number) => {
    const b = bars[i];
    if (!isZero(acc) && b.expected) {
      const anacrusis = barsDone === 0 && pass === 1 && compare(acc, want(b)) < 0;
      if (!equals(acc, want(b)) && !anacrusis) flag(i);
      barsDone++;
    }
    acc = ZERO;
    accFrom = -1;
  };
  let i = 0;
  while (i < bars.length && steps++ < limit) {
    const b = bars[i];
    if (b.ending && !b.ending.includes(pass)) {
      // Not this pass's ending: skip to the bar line that closes it (or to the next ending).
      let j = i;
      while (j < bars.length && !(j > i && bars[j].ending) && !SECTION_END.has(bars[j].closeKind)) j++;
      if (j < bars.length && j > i && bars[j].ending) i = j;
      else i = j + 1;
      continue;
    }
    if (b.ending) inEnding = true;
    if (!b.expected) {
      acc = ZERO;
      accFrom = -1;
      i++;
      continue;
    }
    if (b.timed) {
      if (isZero(acc)) accFrom = i;
      acc = add(acc, b.duration);
    }
    if (b.closeKind === null) break; // end of tune without a bar line: handled below
    if (b.closeKind === 'split') {
      i++;
      continue;
    }
    const soft = b.closeKind !== 'single';
    if (!soft || compare(acc, want(b)) >= 0 || barsDone === 0) close(i);
    // Where the next bar comes from.
    if (b.closeKind === 'rep-start' || b.closeKind === 'part') {
      repeatFrom = i + 1;
      pass = 1;
      inEnding = false;
    } else if (b.closeKind === 'rep-end' || b.closeKind === 'double-rep') {
      inEnding = false;
      if (pass === 1) {
        pass = 2;
        i = repeatFrom;
        continue;
      }
      repeatFrom = i + 1;
      pass = 1;
    } else if (b.closeKind === 'double' && pass > 1 && inEnding) {
      // `||` after the last variant ending finishes the repeat; a later :| repeats from here.
      repeatFrom = i + 1;
      pass = 1;
      inEnding = false;
    }
    i++;
  }
  // The last bar may be short (it completes the anacrusis); it may not be long.
  const last = bars[bars.length - 1];
  if (last?.expected && compare(acc, last.expected) > 0) flag(bars.length - 1);
}
