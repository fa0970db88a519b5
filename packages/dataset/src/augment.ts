/**
 * Transposition as data augmentation: each training tune is moved by a shift drawn anew each epoch, so a
 * model meets every tune in many keys (the corpus is mostly G and D). Validation and test are never moved.
 */
import type { AugmentConfig } from '@tunelab/config';
import { InputError } from '@tunelab/config';
import { transposeTune } from '@tunelab/abc';
import type { CorpusTune } from './types';
import { joinTunes } from './corpus';
import { createRng, mixSeed } from './rng';

/** The training tunes in every key of the range, and the seeded draw that picks one per tune per epoch. */
export class TransposedTunes {
  /** `texts[i][s - min]`: tune i moved by s semitones (its own text for a tune that cannot be moved). */
  private readonly texts: string[][];

  private constructor(
    readonly min: number,
    readonly max: number,
    texts: string[][],
    /** Tunes kept at their written pitch because their key cannot be transposed (`K:none`, …). */
    readonly fixed: number,
  ) {
    this.texts = texts;
  }

  /**
   * Transposes every tune to every shift of `augment.transpose` once (about 1 ms per tune and shift), or
   * returns null when the range is `[0, 0]` or absent. A tune whose key cannot be transposed stays as written
   * in every key (`fixed` counts them); any other failure is thrown.
   */
  static of(tunes: readonly CorpusTune[], augment: AugmentConfig | undefined): TransposedTunes | null {
    const [min, max] = augment?.transpose ?? [0, 0];
    if (min === 0 && max === 0) return null;
    let fixed = 0;
    const texts = tunes.map((t) => {
      const row: string[] = [];
      try {
        for (let s = min; s <= max; s++) row.push(transposeTune(t.text, s, { file: t.file, line: t.line }));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        fixed++;
        return Array.from({ length: max - min + 1 }, () => t.text);
      }
      return row;
    });
    return new TransposedTunes(min, max, texts, fixed);
  }

  /** Every text of every shift, for building a vocabulary that covers them all. */
  allTexts(): string {
    return this.texts.map((row) => row.join('')).join('');
  }

  /**
   * The shift of each tune in `epoch` (1-based): uniform over [min, max], from the run seed, the epoch and
   * the tune's place, so the same run, resumed or not, draws the same.
   */
  shifts(epoch: number, seed: number): number[] {
    const rng = createRng(mixSeed(seed, epoch));
    return this.texts.map(() => this.min + rng.int(this.max - this.min + 1));
  }

  /** The training text of `epoch`: each tune in its drawn key, joined as `joinTunes` joins them. */
  text(epoch: number, seed: number): string {
    const shifts = this.shifts(epoch, seed);
    return joinTunes(this.texts.map((row, i) => ({ text: row[shifts[i] - this.min] })));
  }
}
