/**
 * The run config: what one training run needs. A sweep config (sweep-types.ts) extends it with search keys;
 * every trial of a sweep is a RunConfig. Keys are snake_case because they are what users write in YAML.
 */

export type Backend = 'auto' | 'webgpu' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

export type Preprocessing = 'raw' | 'normalized' | 'unnumbered';

export interface DataConfig {
  /** A named corpus (`nottingham`), or a path to a file, folder or glob of .abc files. */
  corpus: string;
  /** For a named corpus: which files (without .abc), e.g. `[jigs]`; `all` (or an empty list) = all of them. */
  files: string[] | 'all';
  /**
   * `raw` = the text exactly as the seed used it; `normalized` = rebuilt from parsed tunes (comments and free-text
   * fields dropped); `unnumbered` = normalized with every `X:` number written 1, so no capacity goes to numbers.
   */
  preprocessing: Preprocessing;
  /** `char` = one symbol per character (the seed); `token` = one symbol per ABC token (folk-rnn style). */
  vocabulary: 'char' | 'token';
  /** Tune-level split shares; `val: 0` keeps every tune for training, as the seed did. */
  split: { val: number; test: number; seed: number };
  /** Data augmentation of the training tunes (validation and test are never augmented). Absent: none. */
  augment?: AugmentConfig;
  /**
   * Which training tunes to train on: `all`, or `valid`, those `tunelab abc check` finds no error in (the
   * measure of eval's validRate; bar lengths, ties between different pitches, chord symbols it cannot read…).
   * Validation and test tunes are never left out, so the yardstick stays the same. Absent: all.
   */
  train_tunes?: 'all' | 'valid';
}

export interface AugmentConfig {
  /**
   * `[min, max]` semitones: each training tune is moved by a shift drawn uniformly from this range, anew
   * each epoch (seeded by the run seed, the epoch and the tune, so a resumed run draws the same). `[0, 0]`: none.
   */
  transpose: [number, number];
}

export interface ModelConfig {
  /** `lstm` picks the fused LSTM when its fast kernel is available, else the tfjs-layers LSTM. */
  cell: 'lstm' | 'gru' | 'lstm-fused' | 'lstm-layers';
  /** 0 = one-hot input, no embedding layer. */
  embedding_dim: number;
  /** Units per recurrent layer, bottom first. */
  layers: number[];
  /** Dropout after each recurrent layer. */
  dropout: number;
  /**
   * Beside each symbol, the model reads where the text stands in its bar, its section's pickup, a pending tie,
   * the repeat it is in and the bars of the section behind it (`@tunelab/abc` MetricTracker), through embeddings
   * added to the symbol's. Absent = false.
   */
  metric_input?: boolean;
}

export interface OptimizerConfig {
  name: 'adam' | 'sgd' | 'rmsprop';
  lr: number;
}

/** `train.threads`: a count, or `auto` (decided from the machine's cores where the run starts). */
export type ThreadSetting = 'auto' | number;

export interface TrainConfig {
  epochs: number;
  batch_size: number;
  seq_len: number;
  /** `stateful` = the seed's contiguous streams; `shuffled` = random windows, state reset per batch. */
  batching: 'stateful' | 'shuffled';
  optimizer: OptimizerConfig;
  /** Global gradient-norm clip; 0 = none. */
  clip_norm: number;
  /** Save a checkpoint every N epochs (plus the best by validation loss and the last). */
  checkpoint_every: number;
  seed: number;
  backend: Backend;
  /**
   * Threads the native fused kernels run on (any count gives the same numbers): `auto` = the machine's cores
   * for a run, `floor(cores / parallel)` for a sweep's trial (more when fewer trials are left than slots).
   * Other engines run one. Absent (configs written before it existed) = `auto`.
   */
  threads?: ThreadSetting;
  /** Stop the run after this many minutes (0 = no limit). */
  max_minutes: number;
  /** How the learning rate moves from epoch to epoch. Absent: constant. */
  lr_schedule?: LrScheduleConfig;
}

/**
 * The learning rate of each epoch, a function of the epoch alone (so a resumed run continues the same curve):
 * `constant`; `exponential`, lr · gamma^(epoch − 1) (Keras' ExponentialDecay per epoch, floored at `min_lr`);
 * `cosine`, from lr at epoch 1 down to `min_lr` at `train.epochs` (SGDR without restarts). A run stopped early
 * by `max_minutes` keeps the rate its last epoch had, so a cosine schedule wants `epochs` to be what fits.
 */
export interface LrScheduleConfig {
  name: 'constant' | 'exponential' | 'cosine';
  /** exponential: the factor per epoch, in (0, 1]. */
  gamma: number;
  /** The lowest rate (exponential) or the last epoch's rate (cosine). */
  min_lr: number;
}

/**
 * What the ABC checker may refuse while sampling, as a config, flag or request gives it: `meter` (well-formed
 * tunes whose bars fit the meter), `syntax` (well-formed, bars not measured), `off` (the model's own
 * distribution). The same values as `@tunelab/abc`'s `ConstrainMode`, repeated here because config sits
 * below abc and the CLI checks flags without loading abc.
 */
export type ConstrainSetting = 'meter' | 'syntax' | 'off';

/** Periodic music evaluation of samples during training (the eval issue). */
export interface EvalConfig {
  every: number;
  samples: number;
  temperature: number;
  /**
   * The sampling mode of the extra constrained draw (`masked_mass_mean`, `copies_redrawn`); the other
   * metrics always come from unconstrained samples. `off` skips the extra draw. Default `meter`.
   */
  constrain: ConstrainSetting;
}

export interface RunConfig {
  data: DataConfig;
  model: ModelConfig;
  train: TrainConfig;
  /** Present when samples are evaluated during training. */
  eval?: EvalConfig;
}
