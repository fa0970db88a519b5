import { describe, expect, test } from 'vitest';
import { InputError } from './errors';
import { applyParams, gridPoints, paramsKey } from './params';
import { defaultRunConfig } from './run-config';

describe('applyParams', () => {
  test('sets nested paths and array-valued leaves without touching the base', () => {
    const base = defaultRunConfig();
    const trial = applyParams(base, {
      'train.optimizer.lr': 0.003,
      'model.layers': [128, 128],
      'data.split.val': 0.2,
      'data.files': ['jigs', 'reelsa-c'],
    });
    expect(trial.train.optimizer).toEqual({ name: 'adam', lr: 0.003 });
    expect(trial.model.layers).toEqual([128, 128]);
    expect(trial.data.split).toEqual({ val: 0.2, test: 0.1, seed: 1 });
    expect(trial.data.files).toEqual(['jigs', 'reelsa-c']);
    expect(base).toEqual(defaultRunConfig());
    // The trial owns its arrays: changing one does not change the params it came from.
    const layers = [64];
    const t2 = applyParams(base, { 'model.layers': layers });
    t2.model.layers.push(1);
    expect(layers).toEqual([64]);
  });

  test('no params gives a copy of the base', () => {
    const base = defaultRunConfig();
    const trial = applyParams(base, {});
    expect(trial).toEqual(base);
    expect(trial).not.toBe(base);
  });

  test('an eval.* parameter on a base without eval creates the block with defaults', () => {
    expect(applyParams(defaultRunConfig(), { 'eval.temperature': 0.8 }).eval).toEqual({ every: 10, samples: 20, temperature: 0.8, constrain: 'meter' });
  });

  test('an invalid result throws an InputError naming the path', () => {
    expect(() => applyParams(defaultRunConfig(), { 'model.dropout': 1 })).toThrow(InputError);
    expect(() => applyParams(defaultRunConfig(), { 'model.dropout': 1 })).toThrow(
      'model.dropout: expected a number in [0, 1), got 1',
    );
    expect(() => applyParams(defaultRunConfig(), { 'train.optimizer.lr': -1, 'model.layers': [] })).toThrow(
      'model.layers: expected a non-empty list of positive integers, got []\ntrain.optimizer.lr: expected a number > 0, got -1',
    );
    expect(() => applyParams(defaultRunConfig(), { 'data.split.test': 0.9 })).toThrow(
      'data.split: expected val + test < 1, got 0.1 + 0.9',
    );
  });

  test('unknown paths and blocks are refused', () => {
    expect(() => applyParams(defaultRunConfig(), { 'train.lr': 0.1 })).toThrow(
      'train.lr: unknown run config key; did you mean "train.optimizer.lr"?',
    );
    expect(() => applyParams(defaultRunConfig(), { 'train.optimizer': { name: 'sgd', lr: 0.1 } })).toThrow(
      'train.optimizer: expected a dotted path to one setting (e.g. train.optimizer.name), got the block train.optimizer',
    );
  });
});

describe('gridPoints', () => {
  test('is the cartesian product, first parameter slowest', () => {
    const points = gridPoints({
      'model.layers': { kind: 'categorical', values: [[128], [256, 256]] },
      'train.epochs': { kind: 'constant', value: 3 },
      'model.dropout': { kind: 'categorical', values: [0, 0.1, 0.2] },
    });
    expect(points).toEqual([
      { 'model.layers': [128], 'train.epochs': 3, 'model.dropout': 0 },
      { 'model.layers': [128], 'train.epochs': 3, 'model.dropout': 0.1 },
      { 'model.layers': [128], 'train.epochs': 3, 'model.dropout': 0.2 },
      { 'model.layers': [256, 256], 'train.epochs': 3, 'model.dropout': 0 },
      { 'model.layers': [256, 256], 'train.epochs': 3, 'model.dropout': 0.1 },
      { 'model.layers': [256, 256], 'train.epochs': 3, 'model.dropout': 0.2 },
    ]);
    expect(Object.keys(points[0])).toEqual(['model.layers', 'train.epochs', 'model.dropout']);
  });

  test('no parameters is one empty point; a continuous range is refused', () => {
    expect(gridPoints({})).toEqual([{}]);
    expect(() => gridPoints({ 'train.optimizer.lr': { kind: 'log_uniform_values', min: 1e-4, max: 1e-2 } })).toThrow(
      'parameters.train.optimizer.lr: expected values, value, int_uniform or q_uniform for grid search, got distribution log_uniform_values',
    );
  });

  test('int_uniform and q_uniform are enumerated in ascending order', () => {
    expect(
      gridPoints({
        'train.seq_len': { kind: 'int_uniform', min: 63, max: 65 },
        'model.dropout': { kind: 'q_uniform', min: 0.1, max: 0.35, q: 0.1 },
      }),
    ).toEqual([
      { 'train.seq_len': 63, 'model.dropout': 0.1 },
      { 'train.seq_len': 63, 'model.dropout': 0.2 },
      { 'train.seq_len': 63, 'model.dropout': 0.3 },
      { 'train.seq_len': 64, 'model.dropout': 0.1 },
      { 'train.seq_len': 64, 'model.dropout': 0.2 },
      { 'train.seq_len': 64, 'model.dropout': 0.3 },
      { 'train.seq_len': 65, 'model.dropout': 0.1 },
      { 'train.seq_len': 65, 'model.dropout': 0.2 },
      { 'train.seq_len': 65, 'model.dropout': 0.3 },
    ]);
  });
});

describe('paramsKey', () => {
  test('ignores key order at every depth and tells different values apart', () => {
    expect(paramsKey({ a: 1, b: { x: 1, y: [2] } })).toBe(paramsKey({ b: { y: [2], x: 1 }, a: 1 }));
    expect(paramsKey({ 'model.layers': [128, 128] })).not.toBe(paramsKey({ 'model.layers': [128] }));
    expect(paramsKey({ a: 1 })).not.toBe(paramsKey({ a: '1' }));
    expect(paramsKey({ a: -0 })).toBe(paramsKey({ a: 0 }));
    expect(paramsKey({ 'train.optimizer.lr': 0.001 })).toBe('{"train.optimizer.lr":0.001}');
  });
});
