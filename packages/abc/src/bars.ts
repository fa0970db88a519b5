import { ZERO, add, compare, div, equals, frac, formatFraction, isZero, mul, sub } from './fraction';
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

/**
 * How a bar ends: a bar line's kind; `part` a P: field in the body; `split` a variant ending that starts mid-bar;
 * `probe` the bar being written, measured by `BarWalk.room`.
 */
export type CloseKind = 'single' | 'double' | 'rep-start' | 'rep-end' | 'double-rep' | 'part' | 'split' | 'probe' | null;

export interface RawBar {
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

export function closeKind(text: string): { kind: CloseKind; ending: number[] | null } {
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
export function parseEnding(text: string): number[] {
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
  /** Repeat signs and endings as abc2midi reads them. */
  repeats: RepeatSigns;
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
    if (!v) voices.set(id, (v = { bars: [], bar: fresh(null), pendingEnding: null, repeats: new RepeatSigns() }));
    return v;
  };
  // Music before any V: belongs to the first voice, `V:1` (as abc2midi reads it).
  let voice = voiceFor('1');
  let inBody = false;
  let continued = false; // the last music line ended with a backslash
  let overlay = false; // after `&` in this bar: the music sounds with what came before, and takes no more time
  const repeatProblem = (message: string | null, at: Token) => {
    if (message) tune.findings.push({ severity: 'warning', code: 'repeat-structure', message, line: at.line, col: at.col });
  };
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
      if (letter === 'P' && inBody && !continued && /^[A-Z]\d*$/.test(value)) {
        // abc2midi does not always carry such a bar into the next part (it measures the two halves apart, in 6
        // of the 11 Nottingham tunes that do this): a part starts after a bar line.
        if (voice.bar.timed) tune.findings.push({ severity: 'warning', code: 'part-mid-bar', message: `P:${value} starts a part in the middle of a bar (after notes, before a bar line)`, line: t.line, col: t.col });
        repeatProblem(voice.repeats.part(), t);
        closeWith('part', null);
      }
      if (letter === 'K') inBody = true;
      if (letter === 'V' && inBody) voice = voiceFor(value.split(/\s/)[0] ?? '');
      if (letter === 'M') {
        // abc2midi measures the bar a meter change splits by one meter or the other, not both.
        if (inBody && voice.bar.timed) tune.findings.push({ severity: 'warning', code: 'meter-mid-bar', message: `M:${value} changes the meter in the middle of a bar (after notes, before a bar line)`, line: t.line, col: t.col });
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
      repeatProblem(voice.repeats.ending(voice.bar.ending, t.text), t);
      continue;
    }
    if (t.kind === 'overlay') overlay = true;
    if (t.kind === 'bar') {
      overlay = false;
      const { kind, ending } = closeKind(t.text);
      repeatProblem(voice.repeats.bar(t.text), t);
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
  const last = tune.tokens[tune.tokens.length - 1];
  for (const v of voices.values()) if (last) repeatProblem(v.repeats.finish(), last);
  const out: RawBar[][] = [];
  for (const v of voices.values()) {
    if (v.bar.timed || v.bar.ending) v.bars.push(v.bar);
    if (v.bars.length > 0) out.push(v.bars);
  }
  return out;
}

/**
 * Repeat signs and variant endings as abc2midi accepts them (it stops with an error otherwise, and plays the
 * tune differently from the bar-length rule's playing order): a `|:` or `::` opens a repeat and `:|` closes
 * it; at the start of the tune, or after a `:|`, a repeat is open from there without a sign, but `::` and
 * `[1` then need a `|:` first; `[1` and `[2` are the only endings, `[2` right after the `:|` that ends `[1`;
 * after a part label (`P:B`) or a finished second ending the next `:|` or `::` needs its `|:` (the
 * bar-length rule repeats from the label, abc2midi from further back); a `|:` has its `:|` by the end.
 * `abc check` reports each problem as a `repeat-structure` warning; the sampler refuses them. Each method
 * returns the problem, or null.
 */
export class RepeatSigns {
  /** `explicit`: a |: or :: opened the repeat; `implicit`: the start of the tune; `closed`: just after :|. */
  private open: 'implicit' | 'explicit' | 'closed' = 'implicit';
  /** The bar-length rule's repeat start has moved away from abc2midi's (a part label, a finished ending). */
  private moved = false;
  /** Inside the first or second ending of the current repeat. */
  private inEnding: 0 | 1 | 2 = 0;

  clone(): RepeatSigns {
    const c = new RepeatSigns();
    c.open = this.open;
    c.moved = this.moved;
    c.inEnding = this.inEnding;
    return c;
  }

  /** A bar line (with its ending number, `:|2`). */
  bar(text: string): string | null {
    const { kind, ending } = closeKind(text);
    let problem: string | null = null;
    if (kind === 'rep-start') {
      if (this.open === 'explicit') problem = `${text} starts a repeat while the one before it has no :| yet`;
      else if (this.inFirstEnding()) problem = `${text} starts a repeat inside a first ending, which has no :| yet`;
      this.open = 'explicit';
      this.moved = false;
      this.inEnding = 0;
    } else if (kind === 'double-rep' || kind === 'rep-end') {
      if (kind === 'double-rep' && this.open === 'closed') problem = `${text} ends a repeat that no |: started (after a :|, abc2midi wants |: first)`;
      else if (this.moved && this.open !== 'explicit') problem = `${text} repeats from the part label or ending before it here, but from further back in abc2midi: write |: where the repeat starts`;
      this.open = kind === 'rep-end' ? 'closed' : 'explicit';
      this.moved = false;
      if (this.inEnding === 2) this.inEnding = 0;
    } else if (kind === 'double' && this.inEnding === 2) {
      this.moved = true; // `||` after the second ending finishes the repeat
      this.inEnding = 0;
    } else if (kind === 'double' && this.inFirstEnding()) {
      // The bar-length rule ends a variant ending at a section bar line; abc2midi plays a first ending on to its :|.
      problem = `${text} inside a first ending: abc2midi plays the first ending on to its :|, so write :| here or a plain bar line`;
    }
    return ending ? (problem ?? this.ending(ending, text)) : problem;
  }

  /** A variant ending (`[1`, or the number of `|1`, `:|2`). */
  ending(numbers: readonly number[], text: string): string | null {
    const n = numbers.length === 1 ? numbers[0] : 0;
    if (n === 1) {
      if (this.open === 'closed') return `${text} starts a first ending where no repeat is open (abc2midi wants |: first)`;
      if (this.inEnding === 1) return `${text} starts a first ending while the last one has no :| yet`;
      if (this.moved && this.open !== 'explicit') return `${text} starts a first ending after a part label: abc2midi wants |: first`;
      this.inEnding = 1;
      return null;
    }
    if (n === 2) {
      if (this.open !== 'closed' || this.inEnding !== 1) return `${text} starts a second ending that does not follow the :| of a first ending`;
      this.inEnding = 2;
      return null;
    }
    return `${text}: the endings abc2midi plays are [1 and [2`;
  }

  /** A part label in the body (`P:B`) starts a new section (the bar-length rule repeats from it). */
  part(): string | null {
    // Inside a |: … :| repeat abc2midi still goes back to the |:, and a first ending runs on to its :|.
    const problem =
      this.open === 'explicit'
        ? 'a part label inside a |: … :| repeat: abc2midi repeats from the |:, the bar-length rule from the label (close the repeat first)'
        : this.inFirstEnding()
          ? 'a part label inside a first ending, which has no :| yet'
          : null;
    this.moved = true;
    this.inEnding = 0;
    return problem;
  }

  /** Inside a first ending whose :| has not come yet. */
  private inFirstEnding(): boolean {
    return this.inEnding === 1 && this.open !== 'closed';
  }

  /** The end of the tune. */
  finish(): string | null {
    if (this.open === 'explicit') return 'a repeat started by |: or :: has no :| by the end of the tune';
    // abc2midi: "Missing :| at end of tune".
    return this.inFirstEnding() ? 'a first ending has no :| by the end of the tune' : null;
  }
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
export function checkBars(tune: Tune, start: BarStart = NO_FILE_HEADER, end: { carried: Fraction } = { carried: ZERO }): Bar[] {
  const voices = cutBars(tune, start);
  const verdict: Verdicts = new Map();
  voices.forEach((bars, i) => {
    const walk = playThrough(bars, verdict);
    if (i === 0) end.carried = walk.carried;
  });
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
function playThrough(bars: RawBar[], verdict: Verdicts): BarWalk {
  const walk = new BarWalk((bar, status, message) => verdict.set(bar, { status, message }));
  for (const b of bars) walk.push(b);
  walk.finish();
  return walk;
}

/**
 * The bar-length rule (top of this file) as a walk that takes the bars one at a time as they are written:
 * `checkBars` pushes a finished tune's bars, the incremental checker (checker.ts) pushes them as a sampler
 * writes them and asks the same walk whether one more bar, or the end, would be accepted. The walk goes as
 * far as the bars known so far allow and waits where playing order needs a bar not yet written (the next
 * variant ending). `clone` is cheap: the bar list is shared and copied only when two walks diverge.
 */
export class BarWalk {
  private bars: RawBar[] = [];
  private known = 0;
  private pass = 1;
  private repeatFrom = 0;
  private acc = ZERO;
  private accFrom = -1; // the bar where the accumulated length started
  private barsDone = 0;
  private inEnding = false;
  private steps = 0;
  private i = 0;
  private ended = false;
  /** Bars reported short or long so far. */
  flagged = 0;
  /** Bars already reported (created on the first report: walks are cloned often, and seldom report). */
  private seen: Set<RawBar> | null = null;

  constructor(private readonly onFlag: (bar: RawBar, status: 'short' | 'long', message: string) => void = () => {}) {}

  clone(): BarWalk {
    const c = new BarWalk(this.onFlag);
    c.bars = this.bars;
    c.known = this.known;
    c.pass = this.pass;
    c.repeatFrom = this.repeatFrom;
    c.acc = this.acc;
    c.accFrom = this.accFrom;
    c.barsDone = this.barsDone;
    c.inEnding = this.inEnding;
    c.steps = this.steps;
    c.i = this.i;
    c.ended = this.ended;
    c.flagged = this.flagged;
    c.seen = this.seen && new Set(this.seen);
    return c;
  }

  /** Adds the next bar of the voice (closed by a bar line, or the last one, `closeKind` null) and walks on. */
  push(bar: RawBar): void {
    if (this.bars.length !== this.known) this.bars = this.bars.slice(0, this.known);
    this.bars.push(bar);
    this.known++;
    this.walk(false);
  }

  /**
   * The length played since the last bar that closed: after `finish`, how far into its last bar the tune
   * ends in playing order (0 when its last bar closed whole; a short bar carried across section lines counts
   * with what it carried, as abc2midi counts it).
   */
  get carried(): Fraction {
    return this.acc;
  }

  /** The tune ends: the walk finishes, and the last bar may be short (it completes the anacrusis) but not long. */
  finish(): void {
    this.walk(true);
    const last = this.bars[this.known - 1];
    if (last?.expected && compare(this.acc, last.expected) > 0) this.flag(this.known - 1);
  }

  /**
   * The length still open in the bar being written, `open`, were it pushed now: the meter's bar less what
   * playing order has accumulated before it and in it; null when nothing limits it (no meter, a multi-bar
   * rest, or a bar not played on this pass). Negative when it is already too long.
   */
  room(open: RawBar): Fraction | null {
    return this.probe({ ...open, closeKind: 'probe' }, (p) => p.probeRoom);
  }

  /** How many bars would have been reported short or long were `bar` pushed now; this walk is unchanged. */
  flaggedWith(bar: RawBar): number {
    return this.probe(bar, (p) => p.flagged);
  }

  /**
   * Walks a clone on with `bar` and reads it. The clone borrows the shared array's next slot and gives it
   * back (copying every bar per probe would make the checker quadratic in the number of bars).
   */
  private probe<T>(bar: RawBar, read: (probe: BarWalk) => T): T {
    const probe = this.clone();
    const lend = this.bars.length === this.known;
    if (!lend) probe.bars = this.bars.slice(0, this.known);
    probe.bars.push(bar);
    probe.known++;
    try {
      probe.walk(false);
      return read(probe);
    } finally {
      if (lend) this.bars.length = this.known;
    }
  }

  private probeRoom: Fraction | null = null;

  private flag(i: number): void {
    const at = this.accFrom >= 0 ? this.accFrom : i;
    const b = this.bars[at];
    if (this.seen?.has(b) || !b.expected) return;
    const long = compare(this.acc, b.expected) > 0;
    const expected = `M:${b.meterText} needs ${describe(b.expected, b.unit)}`;
    const message =
      at === i
        ? `lasts ${describe(this.acc, b.unit)} but ${expected}`
        : `lasts ${describe(b.duration, b.unit)} and ends at a section bar line, but what is played after it does not complete it (${describe(this.acc, b.unit)} in all; ${expected})`;
    (this.seen ??= new Set()).add(b);
    this.flagged++;
    this.onFlag(b, long ? 'long' : 'short', message);
  }

  /** A bar should last the meter's bar, or n of them when it holds a multi-bar rest `Zn`. */
  private want(b: RawBar): Fraction {
    return b.restBars > 0 && b.expected ? mul(b.expected, frac(b.restBars)) : b.expected!;
  }

  private close(i: number): void {
    const b = this.bars[i];
    if (!isZero(this.acc) && b.expected) {
      const anacrusis = this.barsDone === 0 && this.pass === 1 && compare(this.acc, this.want(b)) < 0;
      if (!equals(this.acc, this.want(b)) && !anacrusis) this.flag(i);
      this.barsDone++;
    }
    this.acc = ZERO;
    this.accFrom = -1;
  }

  /** Plays bars from `i` while they are known; `final`: no more will come. */
  private walk(final: boolean): void {
    const bars = this.bars;
    const n = this.known;
    const limit = n * 4 + 16;
    while (this.i < n && !this.ended) {
      if (this.steps >= limit) return; // guards against a loop; a later bar raises the limit
      const i = this.i;
      const b = bars[i];
      if (b.ending && !b.ending.includes(this.pass)) {
        // Not this pass's ending: skip to the bar line that closes it (or to the next ending).
        let j = i;
        while (j < n && !(j > i && bars[j].ending) && !SECTION_END.has(bars[j].closeKind)) j++;
        if (j === n && !final) return; // where it ends is not written yet
        this.steps++;
        if (j < n && j > i && bars[j].ending) this.i = j;
        else this.i = j + 1;
        continue;
      }
      this.steps++;
      if (b.ending) this.inEnding = true;
      if (!b.expected) {
        this.acc = ZERO;
        this.accFrom = -1;
        this.i++;
        if (b.closeKind === 'probe') this.probeRoom = null;
        continue;
      }
      if (b.timed) {
        if (isZero(this.acc)) this.accFrom = i;
        this.acc = add(this.acc, b.duration);
      }
      if (b.closeKind === 'probe') {
        this.probeRoom = b.restBars > 0 ? null : sub(this.want(b), this.acc);
        this.ended = true;
        return;
      }
      if (b.closeKind === null) {
        this.ended = true; // end of tune without a bar line: finish() measures it
        return;
      }
      if (b.closeKind === 'split') {
        this.i++;
        continue;
      }
      const soft = b.closeKind !== 'single';
      if (!soft || compare(this.acc, this.want(b)) >= 0 || this.barsDone === 0) this.close(i);
      // Where the next bar comes from.
      if (b.closeKind === 'rep-start' || b.closeKind === 'part') {
        this.repeatFrom = i + 1;
        this.pass = 1;
        this.inEnding = false;
      } else if (b.closeKind === 'rep-end' || b.closeKind === 'double-rep') {
        this.inEnding = false;
        if (this.pass === 1) {
          this.pass = 2;
          this.i = this.repeatFrom;
          continue;
        }
        this.repeatFrom = i + 1;
        this.pass = 1;
      } else if (b.closeKind === 'double' && this.pass > 1 && this.inEnding) {
        // `||` after the last variant ending finishes the repeat; a later :| repeats from here.
        this.repeatFrom = i + 1;
        this.pass = 1;
        this.inEnding = false;
      }
      this.i++;
    }
  }
}
