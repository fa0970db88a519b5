/**
 * @tunelab/eval/testing: helpers for this package's tests only (the package's code never imports them): where the
 * Nottingham data is, and hand-made cases.
 */
import { NOTTINGHAM_DIR } from '@tunelab/dataset/testing';

/** TUNELAB_DATA_DIR, else the shared copy beside the checkout (see @tunelab/dataset/testing); null when neither has jigs.abc. */
export function nottinghamDir(): string | null {
  return NOTTINGHAM_DIR ?? null;
}

/** Whether a missing outside tool must fail the test rather than skip it. */
export const inCI = process.env.CI === 'true';

/**
 * Hand-made tunes with abc2midi's verdict (checked with abc2midi 4.84): `clean` = no Error and no bar-length
 * warning. tunelab's checker must agree on each.
 */
export const HAND_CASES: { name: string; clean: boolean; text: string }[] = [
  { name: 'clean jig', clean: true, text: 'X:1\nT:clean\nM:6/8\nL:1/8\nK:G\nGAB c2d|edc BAG|FGA DEF|G3 G3|]\n' },
  { name: 'short bar', clean: false, text: 'X:2\nT:short bar\nM:6/8\nL:1/8\nK:G\nGAB c2d|edc BA|FGA DEF|G3 G3|]\n' },
  { name: 'long bar', clean: false, text: 'X:3\nT:long bar\nM:6/8\nL:1/8\nK:G\nGAB c2d|edc BAGF|FGA DEF|G3 G3|]\n' },
  { name: 'triplet and broken rhythm', clean: true, text: 'X:4\nT:triplets\nM:4/4\nL:1/8\nK:D\n(3DEF G2 A>B c2|d4 D4|]\n' },
  {
    name: 'anacrusis, repeats and endings',
    clean: true,
    text: 'X:5\nT:anacrusis\nM:6/8\nL:1/8\nK:G\nD|:GAB c2d|edc BAG|FGA DEF|1 G3 G2D:|2 G3 G3|]\n',
  },
  { name: 'chords', clean: true, text: 'X:6\nT:chords\nM:3/4\nL:1/4\nK:C\n[CEG]2 c|"G7"B2 G|c3|]\n' },
  { name: 'unclosed chord', clean: false, text: 'X:7\nT:unclosed chord\nM:6/8\nL:1/8\nK:G\nGAB [c2d|edc BAG|]\n' },
  { name: 'sixteenth unit', clean: true, text: 'X:8\nT:sixteenths\nM:2/4\nL:1/16\nK:Am\nABcd efga|a8|A4 B4|]\n' },
];
