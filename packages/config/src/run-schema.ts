import { type IssueList, type PathSegment, unknownKeyMessage } from './issues';
import type { ConstrainSetting, EvalConfig, RunConfig } from './types';
import { checkModelMemory } from './model-memory';

/**
 * The run config's shape as data: what each key accepts and how to say it in an error. The same description
 * validates run configs, sweep bases, the values a sweep parameter may take, and applied trial configs, so
 * "what `model.dropout` accepts" is written once.
 */

/** One setting. `expected` completes "expected …" in an error: `a positive integer`. */
export interface LeafSpec {
  kind: 'leaf';
  expected: string;
  test(value: unknown): boolean;
  /** Numeric settings can be searched over ranges; `int` ones only by integer-valued distributions. */
  number?: 'int' | 'float';
  /** List-valued settings (model.layers) are searched only by `values` / `value`. */
  list?: boolean;
}

export interface BlockSpec {
  kind: 'block';
  fields: Record<string, FieldSpec>;
  /** An optional block (eval) is absent unless written; `whenPresent` fills its unwritten keys. */
  optional?: boolean;
  whenPresent?: Record<string, unknown>;
}

export type FieldSpec = LeafSpec | BlockSpec;

export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isInt = (v: unknown): v is number => isNumber(v) && Number.isInteger(v);

export const leaf = (expected: string, test: (v: unknown) => boolean, extra: Partial<LeafSpec> = {}): LeafSpec => ({
  kind: 'leaf',
  expected,
  test,
  ...extra,
});
export const positiveInt = () => leaf('a positive integer', (v) => isInt(v) && v > 0, { number: 'int' });
export const nonNegativeInt = () => leaf('an integer >= 0', (v) => isInt(v) && v >= 0, { number: 'int' });
export const anyInt = () => leaf('an integer', isInt, { number: 'int' });
export const positive = () => leaf('a number > 0', (v) => isNumber(v) && v > 0, { number: 'float' });
export const nonNegative = () => leaf('a number >= 0', (v) => isNumber(v) && v >= 0, { number: 'float' });
export const share = () => leaf('a number in [0, 1)', (v) => isNumber(v) && v >= 0 && v < 1, { number: 'float' });
export const oneOf = (...options: string[]) =>
  leaf(`one of ${options.join(', ')}`, (v) => typeof v === 'string' && options.includes(v));
export const nonEmptyString = () => leaf('a non-empty string', (v) => typeof v === 'string' && v.trim() !== '');
export const block = (fields: Record<string, FieldSpec>, extra: Partial<BlockSpec> = {}): BlockSpec => ({
  kind: 'block',
  fields,
  ...extra,
});

/**
 * The values of `eval.constrain`, `--constrain` and the dashboard's `constrain`: `@tunelab/abc`'s
 * `CONSTRAIN_MODES` (a test in @tunelab/eval keeps the two lists equal).
 */
export const CONSTRAIN_SETTINGS: readonly ConstrainSetting[] = ['meter', 'syntax', 'off'];

export const DEFAULT_EVAL: EvalConfig = { every: 10, samples: 20, temperature: 1, constrain: 'meter' };

/**
 * The seed's recipe (the Keras char-RNN tunelab reproduces: embedding 512, 3 × LSTM 256, dropout 0.2, stateful
 * 16 × 64 batches, Adam 0.001), with 10% of the tunes held out for validation and 10% for test, on unnumbered
 * text (the seed read the raw file; `experiments/seed-replica.yaml` still does).
 */
export const DEFAULT_RUN_CONFIG: RunConfig = {
  data: {
    corpus: 'nottingham',
    files: ['jigs'],
    // Measured (docs/results.md): the seed recipe reaches val_bpc_jigs 1.559 unnumbered, 1.582 normalized, 1.588 raw.
    preprocessing: 'unnumbered',
    vocabulary: 'char',
    // The split every tunelab result uses: 34 + 34 held-out jigs (per file, so the same in any run).
    split: { val: 0.1, test: 0.1, seed: 1 },
  },
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
};

export const RUN_SCHEMA: BlockSpec = block({
  data: block({
    corpus: nonEmptyString(),
    files: leaf(
      'a list of file names, or all',
      (v) => v === 'all' || (Array.isArray(v) && v.every((f) => typeof f === 'string' && f.trim() !== '')),
      { list: true },
    ),
    preprocessing: oneOf('raw', 'normalized', 'unnumbered'),
    vocabulary: oneOf('char', 'token'),
    train_tunes: oneOf('all', 'valid'),
    split: block({ val: share(), test: share(), seed: anyInt() }),
    augment: block(
      {
        transpose: leaf(
          'a range [min, max] of whole semitones with -11 <= min <= max <= 11',
          (v) => Array.isArray(v) && v.length === 2 && v.every((s) => isInt(s) && Math.abs(s) <= 11) && v[0] <= v[1],
          { list: true },
        ),
      },
      { optional: true, whenPresent: { transpose: [0, 0] } },
    ),
  }),
  model: block({
    cell: oneOf('lstm', 'gru', 'lstm-fused', 'lstm-layers'),
    embedding_dim: nonNegativeInt(),
    layers: leaf(
      'a non-empty list of positive integers',
      (v) => Array.isArray(v) && v.length > 0 && v.every((u) => isInt(u) && u > 0),
      { list: true },
    ),
    dropout: share(),
    metric_input: leaf('true or false', (v) => typeof v === 'boolean'),
  }),
  train: block({
    epochs: positiveInt(),
    batch_size: positiveInt(),
    seq_len: positiveInt(),
    batching: oneOf('stateful', 'shuffled'),
    optimizer: block({ name: oneOf('adam', 'sgd', 'rmsprop'), lr: positive() }),
    clip_norm: nonNegative(),
    // 0 keeps only the best and the last checkpoint.
    checkpoint_every: nonNegativeInt(),
    seed: anyInt(),
    backend: oneOf('auto', 'webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'),
    // The native kernels' threads: auto = the machine's cores for a run, a sweep's share of them for a trial.
    threads: leaf('auto or a positive integer', (v) => v === 'auto' || (isInt(v) && v > 0)),
    max_minutes: nonNegative(),
    lr_schedule: block(
      {
        name: oneOf('constant', 'exponential', 'cosine'),
        gamma: leaf('a number in (0, 1]', (v) => isNumber(v) && v > 0 && v <= 1, { number: 'float' }),
        min_lr: nonNegative(),
      },
      { optional: true, whenPresent: { name: 'constant', gamma: 0.95, min_lr: 0 } },
    ),
  }),
  eval: block(
    { every: positiveInt(), samples: positiveInt(), temperature: positive(), constrain: oneOf(...CONSTRAIN_SETTINGS) },
    { optional: true, whenPresent: DEFAULT_EVAL as unknown as Record<string, unknown> },
  ),
});

/** The spec at a dotted path (`train.optimizer.lr`), or undefined when the path names nothing. */
export function specAt(dotted: string): FieldSpec | undefined {
  let spec: FieldSpec = RUN_SCHEMA;
  for (const key of dotted.split('.')) {
    if (spec.kind !== 'block' || !Object.hasOwn(spec.fields, key)) return undefined;
    spec = spec.fields[key];
  }
  return spec;
}

/** Every settable path: `data.corpus`, …, `eval.temperature`. */
export function leafPaths(spec: BlockSpec = RUN_SCHEMA, prefix = ''): string[] {
  return Object.entries(spec.fields).flatMap(([key, field]) =>
    field.kind === 'leaf' ? [prefix + key] : leafPaths(field, `${prefix}${key}.`),
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks `value` against a block, reporting unknown keys and bad values to `issues`, and returns the block
 * with unwritten (or bad) keys taken from `defaults`. `extraKeys` are keys a caller handles itself (the
 * sweep's own keys at the top of a sweep file): not reported, but offered as "did you mean" suggestions.
 */
export function checkBlock(
  value: unknown,
  spec: BlockSpec,
  defaults: Record<string, unknown>,
  path: PathSegment[],
  issues: IssueList,
  extraKeys: readonly string[] = [],
): Record<string, unknown> {
  if (value === undefined) return structuredClone(defaults);
  if (!isPlainObject(value)) {
    issues.expected(path, 'a mapping', value);
    return structuredClone(defaults);
  }
  const known = [...Object.keys(spec.fields), ...extraKeys];
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(spec.fields, key) && !extraKeys.includes(key)) {
      issues.add([...path, key], unknownKeyMessage(key, known));
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec.fields)) {
    const v = value[key];
    const at = [...path, key];
    if (field.kind === 'block') {
      const fallback = (defaults[key] ?? field.whenPresent ?? {}) as Record<string, unknown>;
      // `eval:` with nothing after it reads as null: treat it like an absent optional block.
      if (field.optional && (v === undefined || v === null) && defaults[key] === undefined) continue;
      out[key] = checkBlock(v, field, fallback, at, issues);
    } else if (v === undefined) {
      out[key] = structuredClone(defaults[key]);
    } else if (field.test(v)) {
      out[key] = structuredClone(v);
    } else {
      issues.expected(at, field.expected, v);
      out[key] = structuredClone(defaults[key]);
    }
  }
  return out;
}

/** Checks that span several keys, after each key passed alone. */
export function checkRunConfigRules(config: RunConfig, path: PathSegment[], issues: IssueList): void {
  const { val, test } = config.data.split;
  if (val + test >= 1) issues.add([...path, 'data', 'split'], `expected val + test < 1, got ${val} + ${test}`);
  const schedule = config.train.lr_schedule;
  if (schedule && schedule.name !== 'constant' && schedule.min_lr > config.train.optimizer.lr) {
    issues.add([...path, 'train', 'lr_schedule', 'min_lr'], `expected min_lr <= train.optimizer.lr (${config.train.optimizer.lr}), got ${schedule.min_lr}`);
  }
  checkModelMemory(config, path, issues);
}
