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

  /** Reads symbol `id`; returns whether the tune is still viable. */
  accept(id: number): boolean {
    return this.checker.push(this.texts[id] || '\u0000');
  }
}
