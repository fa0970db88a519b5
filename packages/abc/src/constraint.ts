import { TuneChecker, type ConstrainMode } from './checker';

/**
 * Structured sampling: which symbols of a vocabulary may come next so that the tune can still become one
 * `tunelab abc check` accepts (the way grammar-constrained decoders mask a language model's tokens). The
 * sampler zeroes the others' probability and renormalises. Works for any vocabulary whose symbols are text:
 * characters (`char`) or ABC tokens (`token`; `<unk>` and other symbols without text are never allowed).
 *
 * Near the end of the budget the constraint closes the tune: with fewer than `FINISH_SOON` symbols left it
 * refuses symbols that open something new (chord symbols, decorations, slurs, tuplets, a new bar once the
 * tune could end), and with fewer than `FINISH_NOW` left a note must complete its bar. A constrained tune
 * may run a bar or so past the budget rather than end unfinished.
 */
export const FINISH_SOON = 64;
export const FINISH_NOW = 40;

export class SymbolConstraint {
  private checker: TuneChecker;
  /** The rest of the ending the checker is writing once the budget is spent (undefined: not searched yet). */
  private ending: string | null | undefined = undefined;
  private sinceSearch = 0;
  /** How hard the last `allowed` steered toward the end (0 none, 1 closing, 2 completing the bar). */
  steering: 0 | 1 | 2 = 0;
  private readonly texts: readonly string[];

  /** `symbols[i]` is the text of vocabulary id i. */
  constructor(symbols: readonly string[], mode: Exclude<ConstrainMode, 'off'>) {
    this.checker = new TuneChecker(mode);
    this.texts = symbols.map((s) => (s === '<unk>' ? '' : s));
  }

  /** Why the text so far cannot become an accepted tune (null while it can). */
  get reason(): string | null {
    return this.checker.reason;
  }

  /** Whether the tune has ended (at a blank line, complete). */
  get ended(): boolean {
    return this.checker.ended;
  }

  /**
   * Sets `mask[i]` to 1 for the symbols that may come next and 0 for the rest; returns how many may.
   * `remaining` is how many symbols the budget has left (≤ 0 once it is spent).
   */
  allowed(mask: Uint8Array, remaining: number): number {
    if (remaining <= 0) {
      // The budget is spent: the checker writes the end itself, one vocabulary symbol at a time.
      const id = this.forcedSymbol();
      if (id >= 0) {
        mask.fill(0);
        mask[id] = 1;
        this.steering = 2;
        return 1;
      }
    }
    // Steer as hard as the budget asks; where what was written before leaves no way to steer that hard
    // (a note too long to complete its bar in one more note), steer less rather than stop.
    for (let finishing = remaining <= FINISH_NOW ? 2 : remaining <= FINISH_SOON ? 1 : 0; finishing >= 0; finishing--) {
      const count = this.mask(mask, finishing as 0 | 1 | 2);
      this.steering = finishing as 0 | 1 | 2;
      if (count > 0 || finishing === 0) return count;
    }
    return 0;
  }

  private mask(mask: Uint8Array, finishing: 0 | 1 | 2): number {
    let count = 0;
    for (let i = 0; i < this.texts.length; i++) {
      const text = this.texts[i];
      let ok = 0;
      if (text !== '') {
        const next = this.checker.clone();
        next.finishing = finishing;
        ok = next.push(text) ? 1 : 0;
      }
      mask[i] = ok;
      count += ok;
    }
    return count;
  }

  /**
   * The first symbol of the shortest way to end the tune that the search finds (see `completeTune`), as a
   * vocabulary id; -1 when none is found (the sampler then goes on steering).
   */
  private forcedSymbol(): number {
    // Found once and then followed to the end: searching again after each symbol could wander. When the
    // search finds nothing, the sampler steers on and the search is tried again a few symbols later.
    if (this.ending === undefined || (this.ending === null && ++this.sinceSearch >= SEARCH_AGAIN_AFTER)) {
      this.ending = completeTune(this.checker);
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

  /** Reads symbol `id`; returns whether the tune is still viable. */
  accept(id: number): boolean {
    const text = this.texts[id] || '\u0000';
    if (typeof this.ending === 'string') this.ending = this.ending.startsWith(text) ? this.ending.slice(text.length) : undefined;
    return this.checker.push(text);
  }
}

/** The most texts the completion search pushes before it gives up, and how many symbols until it tries again. */
const SEARCH_BUDGET = 6000;
const SEARCH_AGAIN_AFTER = 16;

/**
 * A text that ends the tune from the checker's state (closing what is open, filling and closing the bar,
 * closing a repeat, then the blank line), found by a depth-first search over `completionMoves` with the
 * checker deciding each step; null when none is found within the search budget.
 */
export function completeTune(start: TuneChecker, maxMoves = 12): string | null {
  if (start.ended) return '';
  let budget = SEARCH_BUDGET;
  const search = (c: TuneChecker, depth: number): string | null => {
    if (c.canEnd) return '\n';
    if (depth === 0) return null;
    for (const move of c.completionMoves()) {
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
