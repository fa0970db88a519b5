import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from './errors';
import { defaultRunConfig } from './run-config';
import { loadSweepConfig, parseSweepConfig } from './sweep-config';
import { objectivesOf, type SweepConfig } from './sweep-types';

const experiments = join(import.meta.dirname, '../../../experiments');
const quickstart = readFileSync(join(experiments, 'quickstart.yaml'), 'utf8');

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

/** A small valid sweep with `extra` lines appended (the parameters block is last, so they extend it). */
const sweep = (...extra: string[]) =>
  ['method: random', 'metric: { name: val_loss, goal: minimize }', 'run_cap: 3', 'parameters:', ...extra, ''].join('\n');

describe('the quickstart sweep', () => {
  test('parses to the expected SweepConfig', () => {
    const base = defaultRunConfig();
    base.train = { ...base.train, epochs: 4, checkpoint_every: 1 };
    base.model = { cell: 'lstm', embedding_dim: 64, layers: [128], dropout: 0.2 };
    base.data.preprocessing = 'raw';
    const expected: SweepConfig = {
      name: 'quickstart',
      method: 'random',
      metric: { name: 'val_loss', goal: 'minimize' },
      run_cap: 6,
      parallel: 2,
      seed: 1,
      early_terminate: { type: 'asha', min_iter: 1, eta: 2 },
      max_minutes: 0,
      retries: 0,
      keep_checkpoints: { best: 1, last: 1 },
      parameters: {
        'model.layers': { kind: 'categorical', values: [[128], [256], [128, 128]] },
        'model.embedding_dim': { kind: 'categorical', values: [32, 64] },
        'train.optimizer.lr': { kind: 'log_uniform_values', min: 0.0003, max: 0.01 },
      },
      base,
    };
    const parsed = parseSweepConfig(quickstart, 'experiments/quickstart.yaml');
    expect(parsed).toEqual(expected);
    expect(Object.keys(parsed.parameters)).toEqual(['model.layers', 'model.embedding_dim', 'train.optimizer.lr']);
  });

  test('a bad lr.min names its YAML path and real line, prefixed with the file', () => {
    const bad = quickstart.replace('min: 0.0003', 'min: abc');
    expect(quickstart.split('\n')[29]).toContain('train.optimizer.lr:');
    expect(errorOf(() => parseSweepConfig(bad, 'sweep.yaml'))).toBe(
      'sweep.yaml: parameters.train.optimizer.lr.min (line 30): expected a number > 0, got "abc"',
    );
  });

  test('several problems come back together, one per line, in file order', () => {
    const bad = quickstart
      .replace('name: val_loss', 'name: val-loss')
      .replace('  epochs: 4', '  epoch: 4')
      .replace('min: 0.0003', 'min: abc')
      .replace('dropout: 0.2', 'dropout: 1.5');
    expect(errorOf(() => parseSweepConfig(bad, 'sweep.yaml')).split('\n')).toEqual([
      'sweep.yaml: metric.name (line 3): expected a non-empty identifier (letters, digits, _), got "val-loss"',
      'sweep.yaml: train.epoch (line 15): unknown key; did you mean "epochs"?',
      'sweep.yaml: model.dropout (line 26): expected a number in [0, 1), got 1.5',
      'sweep.yaml: parameters.train.optimizer.lr.min (line 30): expected a number > 0, got "abc"',
    ]);
  });
});

describe('the experiment files', () => {
  test('all three load', async () => {
    const { loadRunConfig } = await import('./run-config');
    const replica = await loadRunConfig(join(experiments, 'seed-replica.yaml'));
    expect(replica.model.layers).toEqual([256, 256, 256]);
    const jigs = await loadSweepConfig(join(experiments, 'jigs-lstm-sweep.yaml'));
    expect(jigs.method).toBe('bayes');
    expect(jigs.early_terminate?.type).toBe('asha');
    expect(jigs.base.eval).toEqual({ every: 5, samples: 20, temperature: 1, constrain: 'meter' });
    // `min: 0.0` is written as a float, so dropout is searched continuously.
    expect(jigs.parameters['model.dropout']).toEqual({ kind: 'uniform', min: 0, max: 0.5 });
    expect((await loadSweepConfig(join(experiments, 'quickstart.yaml'))).name).toBe('quickstart');
  });
});

describe('sweep keys', () => {
  test('defaults: name from the file, goal minimize, parallel 1, no early termination', () => {
    const c = parseSweepConfig('method: grid\nmetric: { name: val_bpc }\nparameters: {}\n', 'dir/my-sweep.yaml');
    expect(c).toMatchObject({ name: 'my-sweep', metric: { name: 'val_bpc', goal: 'minimize' }, parallel: 1, run_cap: 1 });
    expect(c.early_terminate).toBeUndefined();
    expect(c.base).toEqual(defaultRunConfig());
  });

  test('missing required keys', () => {
    expect(errorOf(() => parseSweepConfig('parameters: {}\n')).split('\n')).toEqual([
      'method: expected one of grid, random, bayes, got nothing',
      'metric: expected a mapping like { name: val_loss, goal: minimize }, or a list of them, got nothing',
    ]);
    expect(errorOf(() => parseSweepConfig('method: random\nmetric: { goal: maximize }\n')).split('\n')).toEqual([
      'parameters: expected a mapping of run config paths to values or distributions, got nothing',
      'run_cap (line 1): expected a positive integer (method random needs a run cap), got nothing',
      'metric.name (line 2): expected a non-empty identifier (letters, digits, _), got nothing',
    ]);
  });

  test('unknown top-level keys suggest sweep keys and run blocks', () => {
    expect(errorOf(() => parseSweepConfig(`runcap: 3\n${sweep()}`))).toBe('runcap (line 1): unknown key; did you mean "run_cap"?');
    expect(errorOf(() => parseSweepConfig(`trian: {}\n${sweep()}`))).toBe('trian (line 1): unknown key; did you mean "train"?');
  });

  test('early_terminate: asha and median, with defaults and checks', () => {
    expect(parseSweepConfig(`early_terminate: { type: median }\n${sweep()}`).early_terminate).toEqual({
      type: 'median',
      min_iter: 1,
      warmup_trials: 5,
    });
    expect(parseSweepConfig(`early_terminate: { type: asha, max_iter: 9 }\n${sweep()}`).early_terminate).toEqual({
      type: 'asha',
      min_iter: 1,
      eta: 3,
      max_iter: 9,
    });
    expect(errorOf(() => parseSweepConfig(`early_terminate: { type: hyperband }\n${sweep()}`))).toBe(
      'early_terminate.type (line 1): expected one of asha, median, got "hyperband"',
    );
    expect(errorOf(() => parseSweepConfig(`early_terminate: { type: median, eta: 2 }\n${sweep()}`))).toBe(
      'early_terminate.eta (line 1): unknown key; expected one of type, min_iter, warmup_trials',
    );
    expect(errorOf(() => parseSweepConfig(`early_terminate: { type: asha, eta: 1 }\n${sweep()}`))).toBe(
      'early_terminate.eta (line 1): expected a number > 1, got 1',
    );
  });

  test('early_terminate: asha on characters trained on', () => {
    expect(parseSweepConfig(`early_terminate: { type: asha, resource: characters, min_resource: 2e6, eta: 3 }\n${sweep()}`).early_terminate).toEqual({
      type: 'asha',
      resource: 'characters',
      min_resource: 2e6,
      eta: 3,
    });
    expect(errorOf(() => parseSweepConfig(`early_terminate: { type: asha, resource: characters }\n${sweep()}`))).toBe(
      'early_terminate.min_resource (line 1): required with resource: characters (the first rung, in characters trained on, e.g. 2e6)',
    );
    expect(errorOf(() => parseSweepConfig(`early_terminate: { type: asha, resource: characters, min_resource: 1e6, min_iter: 2 }\n${sweep()}`))).toBe(
      'early_terminate.min_iter (line 1): belongs to resource: epochs; with resource: characters write min_resource',
    );
    expect(errorOf(() => parseSweepConfig(`early_terminate: { type: asha, min_resource: 1e6 }\n${sweep()}`))).toBe(
      'early_terminate.min_resource (line 1): belongs to resource: characters; with resource: epochs write min_iter',
    );
    expect(errorOf(() => parseSweepConfig(`early_terminate: { type: asha, resource: pages, min_resource: 1 }\n${sweep()}`))).toMatch(
      /early_terminate\.resource \(line 1\): expected one of epochs, characters, got "pages"/,
    );
  });

  test('keep_checkpoints, retries, max_minutes', () => {
    const c = parseSweepConfig(`keep_checkpoints: { best: 3 }\nretries: 2\nmax_minutes: 90\n${sweep()}`);
    expect(c).toMatchObject({ keep_checkpoints: { best: 3, last: 1 }, retries: 2, max_minutes: 90 });
    expect(errorOf(() => parseSweepConfig(`retries: -1\n${sweep()}`))).toBe('retries (line 1): expected an integer >= 0, got -1');
  });

  test('a run config is refused with a pointer to tunelab train', () => {
    expect(errorOf(() => parseSweepConfig('train: { epochs: 3 }\n', 'run.yaml'))).toBe(
      'run.yaml: this is a run config (no method, metric or parameters), not a sweep config; run it with "tunelab train --config run.yaml"',
    );
  });
});

describe('parameters', () => {
  test('W&B forms: values, value, min/max (ints → int_uniform), distributions', () => {
    const c = parseSweepConfig(
      sweep(
        '  train.epochs: { value: 3 }',
        '  train.seq_len: { min: 32, max: 128 }',
        '  model.dropout: { min: 0, max: 0.5 }',
        '  train.clip_norm: { min: 1.0, max: 5 }',
        '  model.embedding_dim: { distribution: q_uniform, min: 32, max: 256, q: 32 }',
        '  train.batching: { distribution: categorical, values: [stateful, shuffled] }',
        '  train.optimizer.lr: { distribution: uniform, min: 0.001, max: 0.01 }',
      ),
    );
    expect(c.parameters).toEqual({
      'train.epochs': { kind: 'constant', value: 3 },
      'train.seq_len': { kind: 'int_uniform', min: 32, max: 128 },
      'model.dropout': { kind: 'uniform', min: 0, max: 0.5 },
      'train.clip_norm': { kind: 'uniform', min: 1, max: 5 },
      'model.embedding_dim': { kind: 'q_uniform', min: 32, max: 256, q: 32 },
      'train.batching': { kind: 'categorical', values: ['stateful', 'shuffled'] },
      'train.optimizer.lr': { kind: 'uniform', min: 0.001, max: 0.01 },
    });
  });

  test('a path must name a setting of the run config', () => {
    expect(errorOf(() => parseSweepConfig(sweep('  train.epoch: { values: [1, 2] }')))).toBe(
      'parameters.train.epoch (line 5): unknown run config key; did you mean "train.epochs"?',
    );
    expect(errorOf(() => parseSweepConfig(sweep('  train.optimizer: { values: [{ name: sgd }] }')))).toBe(
      'parameters.train.optimizer (line 5): expected a dotted path to one setting (e.g. train.optimizer.name), got the block train.optimizer',
    );
  });

  test('each listed value must pass the run config check for its key', () => {
    expect(errorOf(() => parseSweepConfig(sweep('  model.dropout: { values: [0.1, 1.5] }')))).toBe(
      'parameters.model.dropout.values[1] (line 5): expected a number in [0, 1), got 1.5',
    );
    expect(errorOf(() => parseSweepConfig(sweep('  model.layers: { values: [[128], [0]] }')))).toBe(
      'parameters.model.layers.values[1] (line 5): expected a non-empty list of positive integers, got [0]',
    );
    expect(errorOf(() => parseSweepConfig(sweep('  model.cell: { value: rnn }')))).toBe(
      'parameters.model.cell.value (line 5): expected one of lstm, gru, lstm-fused, lstm-layers, got "rnn"',
    );
  });

  test('values are checked against the base for rules across keys', () => {
    const text = sweep('  data.split.val: { values: [0.1, 0.95] }').replace('parameters:', 'data: { split: { test: 0.1 } }\nparameters:');
    expect(errorOf(() => parseSweepConfig(text))).toBe(
      'parameters.data.split.val.values[1] (line 6): data.split: expected val + test < 1, got 0.95 + 0.1',
    );
  });

  test('range checks', () => {
    const cases: Array<[string, string]> = [
      ['  train.optimizer.lr: { distribution: log_uniform_values, min: 0, max: 0.1 }', 'parameters.train.optimizer.lr.min (line 5): expected a number > 0, got 0'],
      ['  model.dropout: { distribution: log_uniform_values, min: 0, max: 0.5 }', 'parameters.model.dropout.min (line 5): expected a number > 0, got 0'],
      ['  train.optimizer.lr: { distribution: log_uniform_values, min: 0.1, max: 0.01 }', 'parameters.train.optimizer.lr.max (line 5): expected a number > min (0.1), got 0.01'],
      ['  model.embedding_dim: { distribution: q_uniform, min: 32, max: 256, q: 0 }', 'parameters.model.embedding_dim.q (line 5): expected a number > 0, got 0'],
      ['  model.embedding_dim: { distribution: q_uniform, min: 32, max: 256, q: 2.5 }', 'parameters.model.embedding_dim.q (line 5): expected an integer (the setting is an integer), got 2.5'],
      ['  model.embedding_dim: { min: 32, max: 256.0 }', 'parameters.model.embedding_dim (line 5): expected int_uniform, q_uniform with an integer q, or values for an integer setting, got distribution uniform'],
      ['  train.epochs: { min: 0, max: 5 }', 'parameters.train.epochs.min (line 5): expected a positive integer, got 0'],
      ['  model.dropout: { distribution: int_uniform, min: 0.1, max: 0 }', 'parameters.model.dropout.min (line 5): expected an integer, got 0.1'],
      ['  model.layers: { min: 1, max: 3 }', 'parameters.model.layers (line 5): expected values or value for a setting that is a non-empty list of positive integers, got distribution int_uniform'],
      ['  model.dropout: { distribution: normal, mu: 0 }', 'parameters.model.dropout.mu (line 5): unknown key; expected one of values, value, min, max, distribution, q\nparameters.model.dropout.distribution (line 5): expected one of constant, categorical, uniform, int_uniform, log_uniform_values, q_uniform, got "normal"'],
      ['  model.dropout: { values: [0.1], q: 2 }', 'parameters.model.dropout.q (line 5): not used by a categorical parameter'],
      ['  model.dropout: {}', 'parameters.model.dropout (line 5): expected values, value, min/max or distribution, got none of them'],
      ['  model.dropout: 0.3', 'parameters.model.dropout (line 5): expected a mapping with values, value, min/max or distribution, got 0.3'],
    ];
    for (const [line, message] of cases) expect(errorOf(() => parseSweepConfig(sweep(line)))).toBe(message);
  });

  test('grid needs every parameter discrete; run_cap defaults to the number of points', () => {
    const grid = (...lines: string[]) => sweep(...lines).replace('method: random', 'method: grid').replace('run_cap: 3\n', '');
    const c = parseSweepConfig(grid('  model.layers: { values: [[64], [128]] }', '  model.dropout: { values: [0, 0.1, 0.2] }'));
    expect(c.run_cap).toBe(6);
    expect(errorOf(() => parseSweepConfig(grid('  model.dropout: { min: 0.0, max: 0.5 }')))).toBe(
      'parameters.model.dropout (line 4): expected values, value, int_uniform or q_uniform for method grid, got distribution uniform',
    );
  });

  test('grid enumerates int_uniform (every integer) and q_uniform (min, min + q, … ≤ max)', () => {
    const grid = (...lines: string[]) => sweep(...lines).replace('method: random', 'method: grid').replace('run_cap: 3\n', '');
    const c = parseSweepConfig(
      grid('  train.seq_len: { min: 32, max: 35 }', '  model.embedding_dim: { distribution: q_uniform, min: 32, max: 100, q: 32 }'),
    );
    expect(c.parameters['train.seq_len']).toEqual({ kind: 'int_uniform', min: 32, max: 35 });
    expect(c.run_cap).toBe(4 * 3);
  });

  test('syntax errors give file:line:col', () => {
    expect(errorOf(() => parseSweepConfig(sweep('  model.dropout: { values: [0.1 }'), 's.yaml'))).toMatch(/^s\.yaml:5:\d+: /);
  });
});

describe('the sweep file as a whole', () => {
  test('a file that is not a mapping', () => {
    expect(errorOf(() => parseSweepConfig('just text\n', 's.yaml'))).toBe('s.yaml: expected a mapping (a sweep config), got "just text"');
  });
});

describe('metric: a mapping or a list of objectives', () => {
  const withMetric = (metric: string) => sweep().replace('metric: { name: val_loss, goal: minimize }', metric);

  test('a single mapping parses as before: no objectives key, objectivesOf answers [metric]', () => {
    const c = parseSweepConfig(withMetric('metric: { name: val_loss, goal: minimize }'));
    expect(c.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
    expect('objectives' in c).toBe(false);
    expect(objectivesOf(c)).toEqual([{ name: 'val_loss', goal: 'minimize' }]);
  });

  test('a list keeps every objective in order; metric is the first; goal defaults to minimize', () => {
    const c = parseSweepConfig(withMetric('metric:\n  - { name: val_loss }\n  - { name: bar_ok_rate, goal: maximize }'));
    expect(c.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
    expect(c.objectives).toEqual([
      { name: 'val_loss', goal: 'minimize' },
      { name: 'bar_ok_rate', goal: 'maximize' },
    ]);
    expect(objectivesOf(c)).toBe(c.objectives);
  });

  test('a list of one is allowed (and is a single objective)', () => {
    const c = parseSweepConfig(withMetric('metric: [{ name: bar_ok_rate, goal: maximize }]'));
    expect(c.metric).toEqual({ name: 'bar_ok_rate', goal: 'maximize' });
    expect(objectivesOf(c)).toEqual([{ name: 'bar_ok_rate', goal: 'maximize' }]);
  });

  test('bad lists name the YAML path and line of the item', () => {
    expect(errorOf(() => parseSweepConfig(withMetric('metric: []'), 's.yaml'))).toBe(
      's.yaml: metric (line 2): expected at least one objective (a mapping like { name: val_loss, goal: minimize }, or a list of them), got []',
    );
    const text = withMetric('metric:\n  - { name: val_loss }\n  - { name: val_loss, goal: maximize }\n  - { goal: up }\n  - bar_ok_rate');
    expect(errorOf(() => parseSweepConfig(text, 's.yaml')).split('\n')).toEqual([
      's.yaml: metric[1].name (line 4): duplicate objective "val_loss" (also metric[0])',
      's.yaml: metric[2].goal (line 5): expected one of minimize, maximize, got "up"',
      's.yaml: metric[2].name (line 5): expected a non-empty identifier (letters, digits, _), got nothing',
      's.yaml: metric[3] (line 6): expected a mapping like { name: bar_ok_rate, goal: maximize }, got "bar_ok_rate"',
    ]);
    expect(errorOf(() => parseSweepConfig(withMetric('metric:\n  - { name: val-loss, goal: minimize, weight: 2 }'), 's.yaml')).split('\n')).toEqual([
      's.yaml: metric[0].weight (line 3): unknown key; expected one of name, goal',
      's.yaml: metric[0].name (line 3): expected a non-empty identifier (letters, digits, _), got "val-loss"',
    ]);
    expect(errorOf(() => parseSweepConfig(withMetric('metric: val_loss'), 's.yaml'))).toBe(
      's.yaml: metric (line 2): expected a mapping like { name: val_loss, goal: minimize }, or a list of them, got "val_loss"',
    );
  });
});
