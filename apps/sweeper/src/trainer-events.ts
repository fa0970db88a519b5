/**
 * The events a training run reports (from @tunelab/model's `train`), as the sweeper consumes them.
 * Plain objects: they cross the worker's MessagePort by structured clone.
 */
export type TrainerEvent =
  | { type: 'start'; engine: string; params: number; batchesPerEpoch: number }
  | { type: 'batch'; epoch: number; batch: number; loss: number; charsPerSec?: number }
  | { type: 'epoch'; epoch: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; epoch: number; dir: string; kinds: ('periodic' | 'best' | 'last')[]; metrics: Record<string, number> }
  | { type: 'log'; line: string };
