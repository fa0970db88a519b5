import { TuneChecker, type ConstrainMode } from './checker';

/**
 * Structured sampling: which symbols of a vocabulary may come next so that the tune can still become one
 * `tunelab abc check` accepts (the way grammar-constrained decoders mask a language model's tokens). The
 * sampler zeroes the others' probability and renormalises. Works for any vocabulary whose symbols are text:
 * characters (`char`) or ABC tokens (`token`; `<unk>` and other symbols without text are never allowed).
 *
 * Near the end of the budget the constraint closes the tune: with fewer than `FINISH_SOON` symbols left it
 * refuses symbols that open something new (chord symbols, decorations, slurs, tuplets, a new bar once the
 * tune could end), and with fewer than `FINISH_NOW` left a note must complete its bar; once the budget is
 * spent the checker writes the ending itself (`completeTune`). A model that asks to end where the tune cannot
 * end yet gets the same steering, within FINISH_SOON symbols.
 */
export const FINISH_SOON = 64;
export const FINISH_NOW = 40;

export class SymbolConstraint {
  private checker: TuneChecker;
  /** The rest of the ending the checker is writing once the budget is spent (undefined: not searched yet). */
  private ending: string | null | undefined = undefined;
  private sinceSearch = 0;
  /** Symbols left once the model asked to end (null: it has not). */
  private endBudget: number | null = null;
  private readonly newline: number;
  private readonly wholeNotes: boolean;
  private readonly texts: readonly string[];

  /**
   * `symbols[i]` is the text of vocabulary id i. `wholeNotes` (token vocabularies, whose symbols carry a
   * note with its length): a symbol may not leave a note that only a longer length could make fit.
   * `meter`: the tune's meter is chosen (`6/8`): every `M:` line must carry it (see `TuneChecker.fixedMeter`).
   */
  constructor(symbols: readonly string[], mode: Exclude<ConstrainMode, 'off'>, options: { wholeNotes?: boolean; meter?: string | null } = {}) {
    this.checker = new TuneChecker(mode, { meter: options.meter ?? null });
    this.wholeNotes = options.wholeNotes ?? false;
    this.texts = symbols.map((s) => (s === '<unk>' ? '' : s));
    this.newline = this.texts.indexOf('\n');
  }

  /** An independent copy at this point of the tune (the sampler keeps one at each bar start to redraw a bar). */
  clone(): SymbolConstraint {
    const c = Object.create(SymbolConstraint.prototype) as SymbolConstraint;
    Object.assign(c, this);
    c.checker = this.checker.clone();
    c.verdicts = new Int8Array(0);
    return c;
  }

  /** Bars of music closed so far. */
  get barsClosed(): number {
    return this.checker.barsClosed;
  }

  /** Why the text so far cannot become an accepted tune (null while it can). */
  get reason(): string | null {
    return this.checker.reason;
  }

  /** Whether the tune has ended (at a blank line, complete). */
  get ended(): boolean {
    return this.checker.ended;
  }

  /** This step's verdicts: -1 not asked yet, 0 refused, 1 allowed (at the current steering level). */
  private verdicts: Int8Array = new Int8Array(0);
  /** How hard this step steers toward the end: 0 not, 1 closing what is open, 2 each note completing its bar. */
  private level: 0 | 1 | 2 = 0;

  /**
   * Starts a sampling step with `remaining` symbols of budget left (≤ 0 once it is spent). Returns the id of
   * the symbol the checker writes itself once the budget is spent, else -1 (then ask `allows`).
   */
  begin(remaining: number): number {
    if (this.verdicts.length !== this.texts.length) this.verdicts = new Int8Array(this.texts.length);
    this.verdicts.fill(-1);
    // Once the model has asked to end, the tune is closed within a short budget of its own.
    if (this.endBudget !== null) remaining = Math.min(remaining, this.endBudget--);
    if (remaining <= 0) {
      const id = this.forcedSymbol();
      if (id >= 0) {
        this.level = 2;
        return id;
      }
    }
    this.level = remaining <= FINISH_NOW ? 2 : remaining <= FINISH_SOON ? 1 : 0;
    return -1;
  }

  /** Whether symbol `id` may come next (checked once per step). */
  allows(id: number): boolean {
    let v = this.verdicts[id];
    if (v < 0) {
      const text = this.texts[id];
      let ok = false;
      if (text !== '') {
        const next = this.checker.clone();
        next.finishing = this.level;
        ok = next.push(text) && (!this.wholeNotes || next.noteFinishesHere);
      }
      this.verdicts[id] = v = ok ? 1 : 0;
    }
    return v === 1;
  }

  /** The id of the line end when it would end the tune here (a blank line), else -1. */
  endSymbol(): number {
    return this.checker.atTuneEnd ? this.newline : -1;
  }

  /**
   * The model wanted to end the tune where it could not end (a blank line before the last bar line, with a
   * slur or repeat open …): from here the tune is steered to its end within FINISH_SOON symbols, rather than
   * run on to the budget with the model writing past where it meant to stop.
   */
  wantsToEnd(): void {
    if (this.endBudget === null) this.endBudget = FINISH_SOON;
  }

  /** Whether `allows(id)` has been answered this step: -1 not yet, else 0 or 1. */
  verdict(id: number): number {
    return this.verdicts[id];
  }

  /**
   * Nothing is allowed at this steering level (what was written before leaves no way to steer that hard,
   * say a note too long to complete its bar in one more note): steer less. False when already at 0.
   */
  relax(): boolean {
    if (this.level === 0) return false;
    this.level = (this.level - 1) as 0 | 1;
    this.verdicts.fill(-1);
    return true;
  }

  /**
   * Sets `mask[i]` to 1 for the symbols that may come next and 0 for the rest; returns how many may.
   * `remaining` is how many symbols the budget has left (≤ 0 once it is spent). Checks every symbol: a
   * sampler that draws from the model's distribution asks `allows` only for the likely ones instead.
   */
  allowed(mask: Uint8Array, remaining: number): number {
    const forced = this.begin(remaining);
    if (forced >= 0) {
      mask.fill(0);
      mask[forced] = 1;
      return 1;
    }
    for (;;) {
      let count = 0;
      for (let i = 0; i < this.texts.length; i++) count += mask[i] = this.allows(i) ? 1 : 0;
      if (count > 0 || !this.relax()) return count;
    }
  }

  /**
   * The first symbol of the shortest way to end the tune that the search finds (see `completeTune`), as a
   * vocabulary id; -1 when none is found (the sampler then goes on steering).
   */
  private forcedSymbol(): number {
    // Found once and then followed to the end: searching again after each symbol could wander. When the
    // search finds nothing, the sampler steers on and the search is tried again a few symbols later.
    if (this.ending === undefined || (this.ending === null && ++this.sinceSearch >= SEARCH_AGAIN_AFTER)) {
      this.ending = completeTune(this.checker, 12, (move) => this.writable(move));
      this.sinceSearch = 0;
    }
    const ending = this.ending;
    if (ending === null) return -1;
    // The longest symbol that starts the ending and that the checker takes (token vocabularies).
    let best = -1;
    for (let i = 0; i < this.texts.length; i++) {
      const t = this.texts[i];
      if (t !== '' && ending.startsWith(t) && (best < 0 || t.length > this.texts[best].length) && this.checker.clone().push(t)) best = i;
    }
    return best;
  }

  /** Whether a text splits into vocabulary symbols (longest first, as a token vocabulary would read it). */
  private writable(text: string): boolean {
    let i = 0;
    while (i < text.length) {
      let best = 0;
      for (const t of this.texts) if (t.length > best && text.startsWith(t, i)) best = t.length;
      if (best === 0) return false;
      i += best;
    }
    return true;
  }

  /** Reads symbol `id`; returns whether the tune is still viable. */
  accept(id: number): boolean {
    const text = this.texts[id] || '\u0000';
    if (typeof this.ending === 'string') this.ending = this.ending.startsWith(text) ? this.ending.slice(text.length) : undefined;
    return this.checker.push(text);
  }
}

/** The most texts the completion search pushes before it gives up, and how many symbols until it tries again. */
const SEARCH_BUDGET = 2000;
const SEARCH_AGAIN_AFTER = 16;

/**
 * A text that ends the tune from the checker's state (closing what is open, filling and closing the bar,
 * closing a repeat, then the blank line), found by a depth-first search over `completionMoves` with the
 * checker deciding each step; null when none is found within the search budget. `writable` says whether a
 * move can be written with the vocabulary at hand.
 */
export function completeTune(start: TuneChecker, maxMoves = 12, writable: (text: string) => boolean = () => true): string | null {
  if (start.ended) return '';
  let budget = SEARCH_BUDGET;
  const search = (c: TuneChecker, depth: number): string | null => {
    if (c.canEnd) return '\n';
    if (depth === 0) return null;
    for (const move of c.completionMoves()) {
      if (!writable(move)) continue;
      if (--budget < 0) return null;
      const next = c.clone();
      if (!next.push(move)) continue;
      if (next.ended) return move;
      const rest = search(next, depth - 1);
      if (rest !== null) return move + rest;
    }
    return null;
  };
  // Iterative deepening: the shortest ending first, and no deep detour before a short one is tried.
  for (let depth = 3; depth <= maxMoves; depth += 3) {
    const found = search(start, depth);
    if (found !== null || budget < 0) return found;
  }
  return null;
}
