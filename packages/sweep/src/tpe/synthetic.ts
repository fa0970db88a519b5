import type { SweepConfig } from '@tunelab/config';
import type { TrialRecord } from '../history';
import { proposeNext, type SearchConfig } from '../propose';
import type { TrialParams } from '../space';

/**
 * A synthetic 4-parameter mixed objective for testing search methods (not part of the public API):
 * a log-scale learning rate, a continuous and an integer parameter, and a categorical, each with one
 * optimum; minimum 0 at lr = 1e-2.5, dropout = 0.3, units = 7, cell = 'lstm'.
 */
export const syntheticParameters: SweepConfig['parameters'] = {
  'train.optimizer.lr': { kind: 'log_uniform_values', min: 1e-5, max: 1 },
  'model.dropout': { kind: 'uniform', min: 0, max: 0.9 },
  'model.units': { kind: 'int_uniform', min: 1, max: 32 },
  'model.cell': { kind: 'categorical', values: ['gru', 'lstm', 'rnn', 'lstm-layers'] },
};

const CELL_PENALTY: Record<string, number> = { lstm: 0, 'lstm-layers': 0.3, gru: 0.6, rnn: 1.2 };

export function syntheticObjective(p: TrialParams): number {
  const lr = Math.log10(p['train.optimizer.lr'] as number) + 2.5;
  const dropout = ((p['model.dropout'] as number) - 0.3) / 0.3;
  const units = ((p['model.units'] as number) - 7) / 8;
  return lr * lr * 0.5 + dropout * dropout + units * units + CELL_PENALTY[p['model.cell'] as string];
}

/** Run a sequential sweep of `trials` trials on the synthetic objective; returns the best value found. */
export function runSynthetic(method: SearchConfig['method'], seed: number, trials: number, goal: 'minimize' | 'maximize' = 'minimize'): { best: number; history: TrialRecord[] } {
  const config: SearchConfig = { method, metric: { name: 'val_loss', goal }, run_cap: trials, seed, parameters: syntheticParameters };
  const sign = goal === 'maximize' ? -1 : 1;
  const history: TrialRecord[] = [];
  for (;;) {
    const p = proposeNext(config, history);
    if (p.kind === 'exhausted') break;
    history.push({ params: p.params, status: 'completed', value: sign * syntheticObjective(p.params) });
  }
  const best = Math.min(...history.map((t) => sign * (t.value as number)));
  return { best, history };
}
