import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from './errors';
import { ConfigError } from './issues';
import { defaultRunConfig, loadRunConfig, parseRunConfig, validateRunConfig } from './run-config';
import { runConfigToYaml } from './run-yaml';

/** The message a parse throws, or a failure when it does not throw. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('defaults', () => {
  test('are the seed recipe with 10% of the tunes held out for validation and 10% for test, on unnumbered text', () => {
    expect(defaultRunConfig()).toEqual({
      data: { corpus: 'nottingham', files: ['jigs'], preprocessing: 'unnumbered', vocabulary: 'char', split: { val: 0.1, test: 0.1, seed: 1 } },
      model: { cell: 'lstm', embedding_dim: 512, layers: [256, 256, 256], dropout: 0.2 },
      train: {
        epochs: 100,
        batch_size: 16,
        seq_len: 64,
        batching: 'stateful',
        optimizer: { name: 'adam', lr: 0.001 },
        clip_norm: 5,
        checkpoint_every: 10,
        seed: 1,
        backend: 'auto',
        threads: 'auto',
        max_minutes: 0,
      },
    });
  });

  test('each call returns a fresh copy', () => {
    const a = defaultRunConfig();
    a.model.layers.push(1);
    expect(defaultRunConfig().model.layers).toEqual([256, 256, 256]);
  });

  test('an empty file is the default run; written keys override only themselves', () => {
    expect(parseRunConfig('')).toEqual(defaultRunConfig());
    const c = parseRunConfig('train:\n  optimizer: { lr: 0.01 }\nmodel: { layers: [64] }\n');
    expect(c.train.optimizer).toEqual({ name: 'adam', lr: 0.01 });
    expect(c.model).toEqual({ cell: 'lstm', embedding_dim: 512, layers: [64], dropout: 0.2 });
    expect(c.eval).toBeUndefined();
  });

  test('an eval block fills its unwritten keys; without one there is no eval', () => {
    expect(parseRunConfig('eval: { every: 2 }\n').eval).toEqual({ every: 2, samples: 20, temperature: 1, constrain: 'meter' });
    expect(parseRunConfig('eval: {}\n').eval).toEqual({ every: 10, samples: 20, temperature: 1, constrain: 'meter' });
    expect('eval' in parseRunConfig('eval:\n')).toBe(false);
  });

  test('eval.constrain takes meter, syntax or off (a plain `off` is the string, not false)', () => {
    expect(parseRunConfig('eval: { constrain: syntax }\n').eval?.constrain).toBe('syntax');
    expect(parseRunConfig('eval:\n  constrain: off\n').eval?.constrain).toBe('off');
    expect(errorOf(() => parseRunConfig('eval:\n  every: 2\n  constrain: bars\n', 'run.yaml'))).toBe(
      'run.yaml: eval.constrain (line 3): expected one of meter, syntax, off, got "bars"',
    );
  });
});

describe('errors name the YAML path and line', () => {
  test('expected …, got … for bad values', () => {
    const text = ['model:', '  dropout: 1', '  layers: [256, 0]', 'train:', '  epochs: 2.5', '  backend: cuda', '  optimizer: { lr: -1 }', ''].join('\n');
    expect(errorOf(() => parseRunConfig(text, 'run.yaml')).split('\n')).toEqual([
      'run.yaml: model.dropout (line 2): expected a number in [0, 1), got 1',
      'run.yaml: model.layers (line 3): expected a non-empty list of positive integers, got [256,0]',
      'run.yaml: train.epochs (line 5): expected a positive integer, got 2.5',
      'run.yaml: train.backend (line 6): expected one of auto, webgpu, tfjs-node-gpu, tfjs-node, wasm, cpu, got "cuda"',
      'run.yaml: train.optimizer.lr (line 7): expected a number > 0, got -1',
    ]);
  });

  test('train.threads is auto or a positive integer', () => {
    expect(parseRunConfig('train:\n  threads: 3\n').train.threads).toBe(3);
    expect(parseRunConfig('train:\n  threads: auto\n').train.threads).toBe('auto');
    for (const bad of ['0', '1.5', 'all', '-2']) {
      expect(errorOf(() => parseRunConfig(`train:\n  threads: ${bad}\n`, 'run.yaml'))).toMatch(
        /^run\.yaml: train\.threads \(line 2\): expected auto or a positive integer, got /,
      );
    }
  });

  test('a quoted number is a string, not a number', () => {
    expect(errorOf(() => parseRunConfig('train:\n  seq_len: "64"\n'))).toBe(
      'train.seq_len (line 2): expected a positive integer, got "64"',
    );
  });

  test('unknown keys are errors with the closest known key', () => {
    const text = 'data:\n  corpus: nottingham\ntrain:\n  epoch: 3\n  optimizer:\n    name: adam\n    learning_rate: 0.1\n';
    expect(errorOf(() => parseRunConfig(text, 'run.yaml')).split('\n')).toEqual([
      'run.yaml: train.epoch (line 4): unknown key; did you mean "epochs"?',
      'run.yaml: train.optimizer.learning_rate (line 7): unknown key; expected one of name, lr',
    ]);
    expect(errorOf(() => parseRunConfig('modle: {}\n'))).toBe('modle (line 1): unknown key; did you mean "model"?');
  });

  test('split shares must leave room for training', () => {
    expect(errorOf(() => parseRunConfig('data:\n  split: { val: 0.6, test: 0.4 }\n'))).toBe(
      'data.split (line 2): expected val + test < 1, got 0.6 + 0.4',
    );
  });

  test('a learning-rate schedule: written keys kept, the rest filled, bad values named by path', () => {
    const config = parseRunConfig('train:\n  optimizer: { name: adam, lr: 0.002 }\n  lr_schedule: { name: cosine, min_lr: 0.0001 }\n');
    expect(config.train.lr_schedule).toEqual({ name: 'cosine', gamma: 0.95, min_lr: 0.0001 });
    expect(parseRunConfig('train:\n  epochs: 3\n').train.lr_schedule).toBeUndefined();
    expect(errorOf(() => parseRunConfig('train:\n  lr_schedule: { name: exponential, gamma: 1.5 }\n'))).toBe(
      'train.lr_schedule.gamma (line 2): expected a number in (0, 1], got 1.5',
    );
    expect(errorOf(() => parseRunConfig('train:\n  optimizer: { name: adam, lr: 0.001 }\n  lr_schedule: { name: cosine, min_lr: 0.01 }\n'))).toBe(
      'train.lr_schedule.min_lr (line 3): expected min_lr <= train.optimizer.lr (0.001), got 0.01',
    );
  });

  test('data.train_tunes: absent unless written, all or valid', () => {
    expect(parseRunConfig('data:\n  files: all\n').data.train_tunes).toBeUndefined();
    expect(parseRunConfig('data:\n  train_tunes: valid\n').data.train_tunes).toBe('valid');
    expect(errorOf(() => parseRunConfig('data:\n  train_tunes: clean\n'))).toBe('data.train_tunes (line 2): expected one of all, valid, got "clean"');
  });

  test('model.metric_input: absent unless written, true or false', () => {
    expect(parseRunConfig('data:\n  files: all\n').model.metric_input).toBeUndefined();
    expect(parseRunConfig('model:\n  metric_input: true\n').model.metric_input).toBe(true);
    expect(errorOf(() => parseRunConfig('model:\n  metric_input: yes please\n'))).toBe('model.metric_input (line 2): expected true or false, got "yes please"');
  });

  test('a block that is not a mapping', () => {
    expect(errorOf(() => parseRunConfig('model: lstm\n'))).toBe('model (line 1): expected a mapping, got "lstm"');
  });

  test('YAML syntax errors report file:line:col', () => {
    expect(errorOf(() => parseRunConfig('train:\n  epochs: 3\n  seq_len: 64: 2\n', 'run.yaml'))).toBe(
      'run.yaml:3:12: Nested mappings are not allowed in compact mappings',
    );
  });

  test('duplicate keys are reported at the repeated key', () => {
    expect(errorOf(() => parseRunConfig('train:\n  epochs: 3\n  epochs: 4\n'))).toBe('train.epochs (line 3): duplicate key');
  });

  test('all problems are thrown together as one ConfigError, in file order', () => {
    try {
      parseRunConfig('train:\n  seq_len: 0\nmodel:\n  cell: rnn\n', 'r.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => [i.path, i.line])).toEqual([
        ['train.seq_len', 2],
        ['model.cell', 4],
      ]);
    }
  });

  test('a sweep file is refused with a pointer to tunelab sweep', () => {
    expect(errorOf(() => parseRunConfig('method: grid\nparameters: {}\n', 's.yaml'))).toBe(
      's.yaml: this is a sweep config (it has method, parameters), not a run config; run it with "tunelab sweep start --config s.yaml"',
    );
  });
});

describe('validateRunConfig (plain data)', () => {
  test('fills defaults for keys a saved config lacks', () => {
    const c = validateRunConfig({ model: { layers: [32] } });
    expect(c.model.layers).toEqual([32]);
    expect(c.train.epochs).toBe(100);
  });

  test('errors have paths but no lines, prefixed with where', () => {
    expect(errorOf(() => validateRunConfig({ train: { batch_size: -1 }, foo: 1 }, 'tunelab.json')).split('\n')).toEqual([
      'tunelab.json: foo: unknown key; expected one of data, model, train, eval',
      'tunelab.json: train.batch_size: expected a positive integer, got -1',
    ]);
    expect(errorOf(() => validateRunConfig(null))).toBe('expected a mapping, got null');
  });

  test('data.files is a list of names or all', () => {
    expect(validateRunConfig({ data: { files: 'all' } }).data.files).toBe('all');
    expect(validateRunConfig({ data: { files: ['jigs', 'waltzes'] } }).data.files).toEqual(['jigs', 'waltzes']);
    expect(errorOf(() => validateRunConfig({ data: { files: 'some' } }))).toBe('data.files: expected a list of file names, or all, got "some"');
  });
});

describe('runConfigToYaml', () => {
  test('round-trips through parseRunConfig', () => {
    const c = defaultRunConfig();
    c.data.corpus = './my tunes/*.abc';
    c.data.files = ['yes', 'jigs'];
    c.eval = { every: 3, samples: 5, temperature: 0.8, constrain: 'off' };
    c.train.optimizer.lr = 3e-7;
    const text = runConfigToYaml(c);
    expect(text).toContain('  layers: [256, 256, 256]\n');
    expect(parseRunConfig(text)).toEqual(c);
  });
});

describe('loadRunConfig', () => {
  test('loads the seed replica', async () => {
    const c = await loadRunConfig(join(import.meta.dirname, '../../../experiments/seed-replica.yaml'));
    // The seed's recipe on the seed's raw text; new configs default to unnumbered text.
    expect(c).toEqual({ ...defaultRunConfig(), data: { ...defaultRunConfig().data, preprocessing: 'raw' } });
  });

  test('names a missing file, and prefixes errors with the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunelab-config-'));
    await expect(loadRunConfig(join(dir, 'nope.yaml'))).rejects.toThrow(`${join(dir, 'nope.yaml')}: no such file`);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'train:\n  epochs: 0\n');
    await expect(loadRunConfig(file)).rejects.toThrow(`${file}: train.epochs (line 2): expected a positive integer, got 0`);
  });
});

describe('top-level keys a run file should not have', () => {
  test('a stray seed is an unknown key, not a sweep', () => {
    expect(errorOf(() => parseRunConfig('seed: 3\n'))).toBe('seed (line 1): unknown key; expected one of data, model, train, eval');
  });

  test('a file that is not a mapping', () => {
    expect(errorOf(() => parseRunConfig('- 1\n- 2\n', 'r.yaml'))).toBe('r.yaml: expected a mapping, got [1,2]');
  });
});
