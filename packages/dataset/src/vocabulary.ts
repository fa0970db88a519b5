/**
 * Symbols ↔ ids. A vocabulary is built over the whole corpus, every split included, as the seed's was:
 * a validation tune must never hold a symbol the model cannot even represent.
 *
 * Symbols outside the vocabulary (text from elsewhere: a prime, a sample of another model, another corpus):
 * - `char`: encode throws an InputError naming the character and its line:column, unless `oov: 'skip'`
 *   drops it. There is no `<unk>` character: the seed had none, and its 86 ids must stay 86.
 * - `token`: id 0 is `<unk>`; an unknown token encodes to 0 (or throws / is dropped with `oov: 'error' | 'skip'`).
 *   `<unk>` decodes to nothing: it has no text.
 */
import { InputError } from '@tunelab/config';
import type { Corpus, VocabularyData } from './types';
import { abcSymbols } from './tokens';

export const UNK = '<unk>';

/** What encode does with a symbol outside the vocabulary (see the file comment for the defaults). */
export type OovPolicy = 'error' | 'skip' | 'unk';

export class Vocabulary {
  private readonly ids: Map<string, number>;

  private constructor(
    readonly kind: 'char' | 'token',
    readonly symbols: string[],
  ) {
    this.ids = new Map(symbols.map((s, i) => [s, i]));
  }

  /** Builds the vocabulary of a corpus (or of a text): sorted unique symbols; `token` puts `<unk>` at id 0. */
  static build(corpus: Corpus | string, kind: 'char' | 'token'): Vocabulary {
    const text = typeof corpus === 'string' ? corpus : corpus.text;
    if (kind !== 'char' && kind !== 'token') {
      throw new InputError(`expected vocabulary char or token, but got ${JSON.stringify(kind)}`, 'data.vocabulary');
    }
    const unique = [...new Set(kind === 'char' ? Array.from(text) : abcSymbols(text))].sort(byCodePoint);
    return new Vocabulary(kind, kind === 'token' ? [UNK, ...unique.filter((s) => s !== UNK)] : unique);
  }

  /** Restores a vocabulary saved with `toData()` (e.g. from a checkpoint). */
  static fromData(d: VocabularyData): Vocabulary {
    if (!d || (d.kind !== 'char' && d.kind !== 'token') || !Array.isArray(d.symbols)) {
      throw new InputError(`expected vocabulary data { kind: 'char' | 'token', symbols: string[] }, but got ${JSON.stringify(d)?.slice(0, 80)}`);
    }
    if (new Set(d.symbols).size !== d.symbols.length || d.symbols.some((s) => typeof s !== 'string' || s.length === 0)) {
      throw new InputError('expected vocabulary symbols to be distinct non-empty strings');
    }
    if (d.kind === 'token' && d.symbols[0] !== UNK) {
      throw new InputError(`expected a token vocabulary to start with ${UNK}, but it starts with ${JSON.stringify(d.symbols[0])}`);
    }
    return new Vocabulary(d.kind, [...d.symbols]);
  }

  get size(): number {
    return this.symbols.length;
  }

  /** The units `text` splits into for this vocabulary: characters, or ABC tokens (`join('')` gives text back). */
  symbolsOf(text: string): string[] {
    return this.kind === 'char' ? Array.from(text) : abcSymbols(text);
  }

  /** The id of a symbol, or -1 when it is not in the vocabulary. */
  idOf(symbol: string): number {
    return this.ids.get(symbol) ?? -1;
  }

  /**
   * Text → ids, shape `[symbols]`.
   * @param opts.oov what to do with a symbol outside the vocabulary; default `error` for char, `unk` for token.
   * @throws InputError for an unknown symbol under `error`, naming it and its line:column.
   */
  encode(text: string, opts: { oov?: OovPolicy } = {}): Int32Array {
    const oov = opts.oov ?? (this.kind === 'char' ? 'error' : 'unk');
    if (oov === 'unk' && this.kind === 'char') {
      throw new InputError("oov 'unk' needs a token vocabulary: a char vocabulary has no <unk> (use 'error' or 'skip')");
    }
    const units = this.symbolsOf(text);
    const out = new Int32Array(units.length);
    let n = 0;
    let offset = 0;
    for (const u of units) {
      const id = this.ids.get(u);
      if (id !== undefined && !(this.kind === 'token' && id === 0)) out[n++] = id;
      else if (oov === 'unk') out[n++] = 0;
      else if (oov === 'error') {
        throw new InputError(
          `${this.kind === 'char' ? 'character' : 'token'} ${describe(u)} is not in the vocabulary of ${this.size} ` +
            `${this.kind === 'char' ? 'characters' : 'tokens'} (pass oov: 'skip' to drop it)`,
          position(text, offset),
        );
      }
      offset += u.length;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** Ids → text; `<unk>` gives no text. @throws RangeError for an id outside [0, size). */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const sym = this.symbols[id];
      if (sym === undefined || !Number.isInteger(id)) {
        throw new RangeError(`Expected ids in [0, ${this.size}), but got ${id} at index ${i}`);
      }
      if (!(this.kind === 'token' && id === 0)) s += sym;
    }
    return s;
  }

  toData(): VocabularyData {
    return { kind: this.kind, symbols: [...this.symbols] };
  }
}

/** Code-point order, as Python's sorted(set(text)) gave the seed (JS's default sort uses UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

function describe(symbol: string): string {
  const cps = Array.from(symbol).map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  return `${JSON.stringify(symbol)} (${cps.join(' ')})`;
}

/** `line L, column C` (1-based) of an offset into text. */
function position(text: string, offset: number): string {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return `line ${line}, column ${offset - lastNl}`;
}
