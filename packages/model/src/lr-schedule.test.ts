import { describe, expect, test } from 'vitest';
import type { LrScheduleConfig, TrainConfig } from '@tunelab/config';
import { learningRateAt, setLearningRate } from './lr-schedule';
import { createOptimizer, type AdamFlavour } from './optimizer';
import { tf } from './tf';

const trainOf = (schedule: LrScheduleConfig | undefined, epochs = 5): Pick<TrainConfig, 'optimizer' | 'epochs' | 'lr_schedule'> => ({
  optimizer: { name: 'adam', lr: 0.01 },
  epochs,
  lr_schedule: schedule,
});

describe('learningRateAt', () => {
  test('constant, or no schedule, is the optimizer rate every epoch', () => {
    for (const s of [undefined, { name: 'constant', gamma: 0.5, min_lr: 0 } as const]) {
      expect([1, 2, 50].map((e) => learningRateAt(trainOf(s), e))).toEqual([0.01, 0.01, 0.01]);
    }
  });

  test('exponential multiplies by gamma each epoch after the first, floored at min_lr', () => {
    const at = (e: number) => learningRateAt(trainOf({ name: 'exponential', gamma: 0.5, min_lr: 0.002 }), e);
    expect(at(1)).toBe(0.01);
    expect(at(2)).toBeCloseTo(0.005, 12);
    expect(at(3)).toBeCloseTo(0.0025, 12);
    expect(at(4)).toBe(0.002);
    expect(at(40)).toBe(0.002);
  });

  test('cosine runs from lr at epoch 1 through the midpoint to min_lr at the last epoch, and stays there', () => {
    const at = (e: number) => learningRateAt(trainOf({ name: 'cosine', gamma: 1, min_lr: 0.001 }, 5), e);
    expect(at(1)).toBeCloseTo(0.01, 12);
    expect(at(3)).toBeCloseTo(0.0055, 12);
    expect(at(5)).toBeCloseTo(0.001, 12);
    expect(at(9)).toBeCloseTo(0.001, 12);
    for (let e = 1; e < 5; e++) expect(at(e + 1)).toBeLessThan(at(e));
    // One planned epoch: that epoch trains at lr.
    expect(learningRateAt(trainOf({ name: 'cosine', gamma: 1, min_lr: 0 }, 1), 1)).toBe(0.01);
  });
});

describe('setLearningRate', () => {
  // Adam's first step moves every weight by lr (sign of the gradient, up to ε); SGD and RMSprop by lr times
  // something fixed. Stepping at lr and at lr / 4 from the same start therefore moves weights 4× as far.
  const cases: Array<[string, 'adam' | 'sgd' | 'rmsprop', AdamFlavour]> = [
    ['fused adam', 'adam', 'fused'],
    ['tfjs adam', 'adam', 'tfjs'],
    ['sgd', 'sgd', 'tfjs'],
    ['rmsprop', 'rmsprop', 'tfjs'],
  ];
  test.each(cases)('%s steps with the rate set after it was made', (_label, name, flavour) => {
    const moved = (lr: number | null) => {
      const { optimizer } = createOptimizer({ name, lr: 0.1 }, 0, flavour);
      if (lr !== null) setLearningRate(optimizer, lr);
      const w = tf.variable(tf.tensor1d([1, 2, 3]), true, `w-${name}-${flavour}-${lr}`);
      optimizer.applyGradients({ [w.name]: tf.tensor1d([0.5, -1, 2]) });
      const delta = Array.from(w.dataSync()).map((v, i) => Math.abs(v - (i + 1)));
      w.dispose();
      optimizer.dispose();
      return delta;
    };
    const full = moved(null);
    const quarter = moved(0.025);
    for (let i = 0; i < 3; i++) expect(quarter[i] / full[i]).toBeCloseTo(0.25, 4);
  });
});
