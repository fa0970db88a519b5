import type { TrainConfig } from '@tunelab/config';
import type { tf } from './tf';

/**
 * The learning rate of an epoch (1-based) under `train.lr_schedule`: a function of the epoch alone, so a run
 * resumed at epoch k trains epoch k + 1 at the rate the uninterrupted run would have.
 * - constant (or no schedule): `optimizer.lr`;
 * - exponential: lr · gamma^(epoch − 1), never below `min_lr`;
 * - cosine: min_lr + (lr − min_lr) · (1 + cos(π · (epoch − 1) / (epochs − 1))) / 2, lr at epoch 1 and
 *   min_lr at `epochs` (and after, for a run extended past its planned end).
 */
export function learningRateAt(train: Pick<TrainConfig, 'optimizer' | 'epochs' | 'lr_schedule'>, epoch: number): number {
  const lr = train.optimizer.lr;
  const s = train.lr_schedule;
  if (!s || s.name === 'constant') return lr;
  const done = Math.max(0, epoch - 1);
  if (s.name === 'exponential') return Math.max(s.min_lr, lr * s.gamma ** done);
  const span = Math.max(1, train.epochs - 1);
  const progress = Math.min(1, done / span);
  return s.min_lr + ((lr - s.min_lr) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/**
 * Sets the rate the optimizer's next steps use. tunelab's Adams read `learningRate` on every step, tfjs' Adam
 * and RMSprop too; tfjs' SGD keeps a scalar of it, which `setLearningRate` replaces.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
