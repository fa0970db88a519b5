import { ZERO, add, compare, div, equals, formatFraction, isZero } from './fraction';
import { defaultUnitLength, fieldValue, parseMeter, parseUnitLength } from './fields';
import type { Bar, Fraction, Meter, Token, Tune } from './types';

/**
 * Bars and the bar-length rule.
 *
 * A bar is the music between two bar lines. Its duration is the sum of its notes, rests and chords (grace
 * notes take no time); it should equal the M: in effect where the bar starts.
 *
 * The rule follows the tune in playing order — through its repeats (`|: :| ::`, and from the start of the tune
 * or the last finished section when there is no `|:`) and variant endings (`[1 [2 |1 :|2`) — because a bar may
 * be split by a section boundary: a pickup and the short last bar of a repeated section make one bar between them.
 * Walking that path:
 *   - a plain bar line `|` closes the bar: its accumulated length must be exactly the meter's;
 *   - a section bar line (`|| |] [| |: :| ::`, and the start of an ending) closes it only when it is full or
 *     over; a short bar there carries over and is completed by what is played next (the pickup of the next
 *     section, or the first bar of the repeat);
 *   - the first bar of the tune may be short (an anacrusis), and so may the last (it completes the anacrusis);
 *   - bars under M:none are not checked; a tune with several voices (V:) is not checked.
 * Each bar is reported at most once, as short or long, at the bar where the shortfall starts.
 * This is the playing-order model abc2midi uses (so the two mostly agree), with one difference: a first bar
 * that is too long is reported (abc2midi never checks the first bar).
 */

type CloseKind = 'single' | 'double' | 'rep-start' | 'rep-end' | 'double-rep' | null;

interface RawBar {
  first: Token | null;
  start: Token | null;
  duration: Fraction;
  timed: boolean;
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

/** Cuts the body into bars, noting the meter in effect at each bar's start. */
function cutBars(tune: Tune): RawBar[] {
  const bars: RawBar[] = [];
  let meter: Meter = { text: '', barLength: null };
  let unit = defaultUnitLength(null);
  let unitSet = false;
  let pendingEnding: number[] | null = null;
  const fresh = (): RawBar => ({
    first: null,
    start: null,
    duration: ZERO,
    timed: false,
    expected: meter.barLength,
    unit,
    meterText: meter.text,
    close: null,
    closeKind: null,
    ending: pendingEnding,
  });
  let bar = fresh();
  for (const t of tune.tokens) {
    if (t.kind === 'field' || t.kind === 'inline-field') {
      const body = t.kind === 'inline-field' ? t.text.slice(1, -1) : t.text;
      if (body[0] === 'M') {
        const m = parseMeter(fieldValue(body.slice(2)));
        if (m) {
          meter = m;
          if (!unitSet) unit = defaultUnitLength(m);
        }
      } else if (body[0] === 'L') {
        const l = parseUnitLength(fieldValue(body.slice(2)));
        if (l) {
          unit = l;
          unitSet = true;
        }
      }
      if (!bar.timed) {
        bar.expected = meter.barLength;
        bar.meterText = meter.text;
        bar.unit = unit;
      }
      continue;
    }
    if (t.kind === 'ending') {
      bar.ending = parseEnding(t.text.slice(1));
      continue;
    }
    if (t.kind === 'bar') {
      const { kind, ending } = closeKind(t.text);
      bar.close = t;
      bar.closeKind = kind;
      bars.push(bar);
      pendingEnding = ending;
      bar = fresh();
      pendingEnding = null;
      continue;
    }
    if (t.duration) {
      if (!bar.timed) {
        bar.timed = true;
        bar.start = t;
        bar.expected = meter.barLength;
        bar.meterText = meter.text;
        bar.unit = unit;
      }
      bar.duration = add(bar.duration, t.duration);
    }
  }
  if (bar.timed || bar.ending) bars.push(bar);
  return bars;
}

const SECTION_END = new Set<CloseKind>(['double', 'rep-start', 'rep-end', 'double-rep']);

function describe(d: Fraction, unit: Fraction): string {
  const units = div(d, unit);
  return `${formatFraction(d)} (${formatFraction(units)} × L:${formatFraction(unit)})`;
}

/**
 * Cuts a parsed tune's body into bars, checks their lengths (the rule is at the top of this file), adds
 * `bar-length` findings to `tune.findings` and returns the bars that hold music.
 */
export function checkBars(tune: Tune): Bar[] {
  const raw = cutBars(tune);
  const verdict = new Map<number, { status: 'short' | 'long'; message: string }>();
  const voices = new Set(tune.headers.filter((h) => h.field === 'V').map((h) => h.value.split(/\s/)[0]));
  const check = voices.size <= 1;
  if (!check) {
    const v = tune.headers.find((h) => h.field === 'V')!;
    tune.findings.push({ severity: 'warning', code: 'voices-unchecked', message: 'several voices (V:): bar lengths are not checked', line: v.line, col: v.col });
  } else {
    playThrough(raw, verdict);
  }
  const out: Bar[] = [];
  raw.forEach((b, i) => {
    if (!b.timed) return;
    const v = verdict.get(i);
    const at = b.start ?? b.close;
    const bar: Bar = {
      index: out.length,
      line: at?.line ?? tune.source.line,
      col: at?.col ?? 1,
      duration: b.duration,
      expected: b.expected,
      closedBy: b.close?.text ?? null,
      status: !check || b.expected === null ? 'unchecked' : (v?.status ?? 'ok'),
    };
    out.push(bar);
    if (v) {
      tune.findings.push({ severity: 'error', code: 'bar-length', message: `bar ${bar.index + 1} ${v.message}`, line: bar.line, col: bar.col });
    }
  });
  return out;
}

/** Walks the bars in playing order and records each bar whose length does not fit. */
function playThrough(bars: RawBar[], verdict: Map<number, { status: 'short' | 'long'; message: string }>): void {
  let pass = 1;
  let repeatFrom = 0;
  let acc = ZERO;
  let accFrom = -1; // the bar where the accumulated length started
  let barsDone = 0;
  let steps = 0;
  const limit = bars.length * 4 + 16;
  const flag = (i: number) => {
    const b = bars[accFrom >= 0 ? accFrom : i];
    const at = accFrom >= 0 ? accFrom : i;
    if (verdict.has(at) || !b.expected) return;
    const long = compare(acc, b.expected) > 0;
    const expected = `M:${b.meterText} needs ${describe(b.expected, b.unit)}`;
    const message =
      at === i
        ? `lasts ${describe(acc, b.unit)} but ${expected}`
        : `lasts ${describe(bars[at].duration, b.unit)} and ends at a section bar line, but what is played after it does not complete it (${describe(acc, b.unit)} in all; ${expected})`;
    verdict.set(at, { status: long ? 'long' : 'short', message });
  };
  const close = (i: number) => {
    const b = bars[i];
    if (!isZero(acc) && b.expected) {
      const anacrusis = barsDone === 0 && pass === 1 && compare(acc, b.expected) < 0;
      if (!equals(acc, b.expected) && !anacrusis) flag(i);
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
    const soft = b.closeKind !== 'single';
    if (!soft || compare(acc, b.expected) >= 0 || barsDone === 0) close(i);
    // Where the next bar comes from.
    if (b.closeKind === 'rep-start') {
      repeatFrom = i + 1;
      pass = 1;
    } else if (b.closeKind === 'rep-end' || b.closeKind === 'double-rep') {
      if (pass === 1) {
        pass = 2;
        i = repeatFrom;
        continue;
      }
      repeatFrom = i + 1;
      pass = 1;
    } else if (b.closeKind === 'double' && pass > 1) {
      // `||` after the last ending finishes the repeat; a later :| repeats from here.
      repeatFrom = i + 1;
      pass = 1;
    }
    i++;
  }
  // The last bar may be short (it completes the anacrusis); it may not be long.
  const last = bars[bars.length - 1];
  if (last?.expected && compare(acc, last.expected) > 0) flag(bars.length - 1);
}
