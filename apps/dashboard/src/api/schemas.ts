/**
 * The dashboard's API contract: one TypeBox schema per request part and response. The server validates
 * and serializes with them; the UI's client imports only their static types (`import type`), so the
 * browser bundle carries no TypeBox.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CONSTRAIN_SETTINGS, type ConstrainSetting } from '@tunelab/config';
import { SWEEP_STATUSES, TRIAL_STATUSES } from '@tunelab/sweep';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Ids are short, printable and never paths. */
const Id = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

export const ErrorBody = Type.Object({
  error: Type.String(),
  /** The field that was wrong (`body.temperature`, `params.id`); absent on 5xx. */
  where: Type.Optional(Type.String()),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** @tunelab/sweep's trial statuses, as the API's query and response schemas name them. */
export const TRIAL_STATUS_VALUES = TRIAL_STATUSES;
export const TrialStatus = Type.Union(TRIAL_STATUSES.map((s) => Type.Literal(s)));
export type TrialStatus = Static<typeof TrialStatus>;

export const SweepStatus = Type.Union(SWEEP_STATUSES.map((s) => Type.Literal(s)));

export const Goal = Type.Union([Type.Literal('minimize'), Type.Literal('maximize')]);

export const Sweep = Type.Object({
  id: Type.String(),
  name: Type.String(),
  method: Type.String(),
  metricName: Type.String(),
  metricGoal: Goal,
  status: Type.String(),
  seed: Type.Number(),
  distributed: Type.Boolean(),
  createdAt: Type.Number(),
  startedAt: Nullable(Type.Number()),
  finishedAt: Nullable(Type.Number()),
  /** Trials per status. */
  counts: Type.Record(Type.String(), Type.Integer()),
  best: Nullable(Type.Object({ trialId: Type.String(), value: Type.Number() })),
});
export type Sweep = Static<typeof Sweep>;

export const SweepList = Type.Object({ sweeps: Type.Array(Sweep) });
export type SweepList = Static<typeof SweepList>;

export const SweepDetail = Type.Composite([
  Sweep,
  Type.Object({
    configYaml: Type.String(),
    /** Names of the searched hyperparameters (`train.optimizer.lr`). */
    parameters: Type.Array(Type.String()),
    /** Metric names seen in the sweep's trials, the sweep metric first. */
    metricNames: Type.Array(Type.String()),
    /** Every objective in order, the first being the sweep metric (one for a single `metric` mapping). */
    objectives: Type.Array(Type.Object({ name: Type.String(), goal: Goal })),
    /**
     * Several objectives only (empty with one, where `best` is the answer): the Pareto front as `sweep status
     * --json` lists it, the completed trials no completed trial dominates, in trial order.
     */
    pareto: Type.Array(Type.String()),
    /**
     * Several objectives only: each trial's objective vector as `sweep status --json` gives it, every
     * objective's value at the trial's best epoch by the first (null where that epoch has none), in trial
     * order. Trials without a best epoch are absent.
     */
    objectiveVectors: Type.Array(
      Type.Object({ trialId: Type.String(), number: Type.Integer(), status: TrialStatus, values: Type.Record(Type.String(), Nullable(Type.Number())) }),
    ),
  }),
]);
export type SweepDetail = Static<typeof SweepDetail>;

export const IdParams = Type.Object({ id: Id });
export type IdParams = Static<typeof IdParams>;

export const Trial = Type.Object({
  id: Type.String(),
  sweepId: Type.String(),
  number: Type.Integer(),
  params: Type.Record(Type.String(), Type.Unknown()),
  status: TrialStatus,
  attempt: Type.Integer(),
  createdAt: Type.Number(),
  startedAt: Nullable(Type.Number()),
  finishedAt: Nullable(Type.Number()),
  bestValue: Nullable(Type.Number()),
  bestStep: Nullable(Type.Number()),
  bestCheckpointId: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  pruneReason: Nullable(Type.String()),
  /** Every metric at the trial's best checkpoint (val_loss, val_accuracy, …); empty before one is saved. */
  bestMetrics: Type.Record(Type.String(), Nullable(Type.Number())),
});
export type Trial = Static<typeof Trial>;

export const TrialsQuery = Type.Object({
  /** One status or several, comma-separated. */
  status: Type.Optional(Type.String({ pattern: '^[a-z]+(,[a-z]+)*$', maxLength: 100 })),
  sort: Type.Optional(
    Type.Union([Type.Literal('number'), Type.Literal('best'), Type.Literal('started'), Type.Literal('finished')]),
  ),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type TrialsQuery = Static<typeof TrialsQuery>;

export const TrialPage = Type.Object({
  trials: Type.Array(Trial),
  /** Trials matching the filter, over every page. */
  total: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
});
export type TrialPage = Static<typeof TrialPage>;

export const TrialDetail = Type.Composite([
  Trial,
  Type.Object({
    config: Type.Unknown(),
    logTail: Type.String(),
    seed: Type.Number(),
    worker: Nullable(Type.String()),
    metricName: Type.String(),
    metricGoal: Goal,
  }),
]);
export type TrialDetail = Static<typeof TrialDetail>;

/** `[step, value]`; a NaN value (a diverged loss) travels as null. */
export const Point = Type.Tuple([Type.Number(), Type.Unsafe<number | null>({ type: ['number', 'null'] })]);
export type Point = Static<typeof Point>;

export const MetricsQuery = Type.Object({
  /** Comma-separated metric names (default: all). */
  names: Type.Optional(Type.String({ maxLength: 1000 })),
  /** Only steps after this one: polling passes the last step it has. */
  after: Type.Optional(Type.Integer({ minimum: -1 })),
  /** Downsample each series to at most this many points (the last point is always kept). */
  maxPoints: Type.Optional(Type.Integer({ minimum: 2, maximum: 5000, default: 500 })),
});
export type MetricsQuery = Static<typeof MetricsQuery>;

export const MetricsResponse = Type.Object({
  series: Type.Record(Type.String(), Type.Array(Point)),
});
export type MetricsResponse = Static<typeof MetricsResponse>;

export const SeriesQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  /** Comma-separated trial ids (default: every trial of the sweep). */
  trialIds: Type.Optional(Type.String({ maxLength: 20000 })),
  after: Type.Optional(Type.Integer({ minimum: -1 })),
  maxPoints: Type.Optional(Type.Integer({ minimum: 2, maximum: 5000, default: 300 })),
});
export type SeriesQuery = Static<typeof SeriesQuery>;

export const SeriesResponse = Type.Object({
  name: Type.String(),
  /** Per trial id. */
  series: Type.Record(Type.String(), Type.Array(Point)),
});
export type SeriesResponse = Static<typeof SeriesResponse>;

/** Metric names as trainers and evaluators report them (`val_loss`, `bar_ok_rate`). */
const MetricName = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$' });

export const ImportanceQuery = Type.Object({
  /** The metric to explain (default: the sweep's metric); some trial of the sweep must have reported it. */
  metric: Type.Optional(MetricName),
  /**
   * Which values are good: default the goal the sweep config gives the metric, else `minimize`. It matters:
   * importance is what it took to reach the best trials.
   */
  goal: Type.Optional(Goal),
});
export type ImportanceQuery = Static<typeof ImportanceQuery>;

/** @tunelab/sweep's parameterImportance: PED-ANOVA over the sweep's completed trials. */
export const ImportanceResponse = Type.Object({
  method: Type.Literal('ped-anova'),
  metric: Type.String(),
  goal: Goal,
  /** Completed trials with a value for the metric that the importances are computed over. */
  trials: Type.Integer({ minimum: 0 }),
  /** Highest first, summing to 1; empty when `reason` says why (fewer than 5 such trials). */
  importances: Type.Array(Type.Object({ param: Type.String(), importance: Type.Number({ minimum: 0, maximum: 1 }) })),
  reason: Type.Optional(Type.String()),
});
export type ImportanceResponse = Static<typeof ImportanceResponse>;

export const Checkpoint = Type.Object({
  id: Type.String(),
  trialId: Type.String(),
  epoch: Type.Integer(),
  kind: Type.String(),
  metrics: Type.Record(Type.String(), Nullable(Type.Number())),
  createdAt: Type.Number(),
  /** Removed by retention: listed for history, cannot generate or be promoted. */
  deleted: Type.Boolean(),
  /** Aliases currently pointing at it (`champion`). */
  aliases: Type.Array(Type.String()),
});
export type Checkpoint = Static<typeof Checkpoint>;

export const CheckpointList = Type.Object({ checkpoints: Type.Array(Checkpoint) });
export type CheckpointList = Static<typeof CheckpointList>;

/**
 * What the ABC checker refuses while sampling: `meter`, `syntax` or `off`. A plain string enum rather than a
 * union of literals, so a bad value gets one error ("must be equal to one of the allowed values") at its field.
 */
const Constrain = (options: { default?: ConstrainSetting; description?: string } = {}) =>
  Type.Unsafe<ConstrainSetting>({ type: 'string', enum: [...CONSTRAIN_SETTINGS], ...options });

/**
 * A meter with a bar length as the sampler takes it (`6/8`, `4/4`, `C`, `C|`, `2+3/8`): a pattern, so a bad
 * value is a 400 at its field before any work (the route then reads it with @tunelab/abc's `meterChoice`).
 */
export const METER_PATTERN = '^\\s*(C\\|?|\\(?\\s*[1-9][0-9]?(\\s*\\+\\s*[1-9][0-9]?)*\\s*\\)?\\s*/\\s*[1-9][0-9]?)\\s*$';

/** Bounds that keep one request from holding the generator for long. */
export const GENERATE_LIMITS = { n: 10, maxLength: 3000, prime: 500 } as const;

export const GenerateRequest = Type.Object(
  {
    checkpointId: Id,
    n: Type.Integer({ minimum: 1, maximum: GENERATE_LIMITS.n, default: 1 }),
    temperature: Type.Number({ exclusiveMinimum: 0, maximum: 5, default: 1 }),
    topK: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10000 }))),
    topP: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1 }))),
    prime: Type.Optional(Nullable(Type.String({ maxLength: GENERATE_LIMITS.prime }))),
    meter: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 16,
          pattern: METER_PATTERN,
          description:
            "the tunes' meter (6/8 jigs, 4/4 reels, 3/4 waltzes …; null: the model's choice). Constrained, the ABC checker holds every M: line to it; " +
            'with constrain off only the M: lines are held (the rest is the model\'s own), and a prime that reaches K: must hold that M: line',
        }),
      ),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    maxLength: Type.Integer({ minimum: 16, maximum: GENERATE_LIMITS.maxLength, default: 600 }),
    constrain: Type.Optional(Constrain({ default: 'meter', description: 'meter: well-formed tunes whose bars fit the meter; syntax: well-formed; off: the raw model' })),
    allowCopies: Type.Optional(Type.Boolean({ default: false, description: 'keep tunes that copy a training tune (by default one is drawn again, up to 5 times)' })),
  },
  { additionalProperties: false },
);
export type GenerateRequest = Static<typeof GenerateRequest>;

export const TuneScore = Type.Object({
  /** No error from tunelab's ABC checker. */
  valid: Type.Boolean(),
  barsOk: Type.Boolean(),
  headerOk: Type.Boolean(),
  errorCodes: Type.Array(Type.String()),
  /** abc2midi's verdict; null when abc2midi is not installed. */
  abc2midiClean: Nullable(Type.Boolean()),
  /** Against the run's training tunes; null when that corpus could not be loaded. */
  novelty: Nullable(
    Type.Object({
      lcs: Type.Number(),
      lcsShare: Type.Number(),
      copy: Type.Boolean(),
      nearest: Nullable(Type.String()),
      bars: Type.Integer(),
      barsInReference: Type.Integer(),
    }),
  ),
  /**
   * How the sampler shaped the tune (absent on samples stored before these were recorded): the share of
   * probability mass the ABC checker removed per symbol (mean) and at its worst step, and how many copies of
   * training tunes were drawn and discarded before this tune.
   */
  maskedMassMean: Type.Optional(Type.Number()),
  maskedMassMax: Type.Optional(Type.Number()),
  redraws: Type.Optional(Type.Integer()),
});
export type TuneScore = Static<typeof TuneScore>;

export const SampleSettings = Type.Object({
  temperature: Type.Number(),
  topK: Type.Optional(Nullable(Type.Number())),
  topP: Type.Optional(Nullable(Type.Number())),
  prime: Type.Optional(Nullable(Type.String())),
  /** Absent on samples stored before a meter could be chosen. */
  meter: Type.Optional(Nullable(Type.String())),
  seed: Type.Number(),
  maxLength: Type.Number(),
  /** Absent on samples stored before the sampler was constrained (they were sampled as `off`, copies kept). */
  constrain: Type.Optional(Constrain()),
  allowCopies: Type.Optional(Type.Boolean()),
});

export const Sample = Type.Object({
  id: Type.String(),
  checkpointId: Type.String(),
  createdAt: Type.Number(),
  settings: SampleSettings,
  abc: Type.String(),
  eval: Nullable(TuneScore),
});
export type Sample = Static<typeof Sample>;

export const GenerateResponse = Type.Object({ samples: Type.Array(Sample), ms: Type.Number() });
export type GenerateResponse = Static<typeof GenerateResponse>;

/** A meter the generate form offers: its text, the kinds of tune in it, and how many of the run's tunes use it. */
export const MeterChoice = Type.Object({
  meter: Type.String(),
  label: Type.String(),
  /** Tunes of the run's corpus in this meter; null when the list is the fixed Nottingham one. */
  tunes: Nullable(Type.Integer()),
});
export type MeterChoice = Static<typeof MeterChoice>;

export const MeterList = Type.Object({
  /** Most tunes first. */
  meters: Type.Array(MeterChoice),
  /** The meter the form starts on: 6/8 (jigs) when offered, else the most common. */
  default: Type.String(),
  /** `corpus`: counted in the checkpoint's training corpus; `nottingham`: that corpus could not be read, the fixed list. */
  source: Type.Union([Type.Literal('corpus'), Type.Literal('nottingham')]),
});
export type MeterList = Static<typeof MeterList>;

export const SampleListQuery = Type.Object({
  checkpointId: Id,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
export type SampleListQuery = Static<typeof SampleListQuery>;

export const SampleList = Type.Object({ samples: Type.Array(Sample) });
export type SampleList = Static<typeof SampleList>;

// Blind listening: pairs to judge, votes, and Bradley–Terry ratings per checkpoint.

/** Which of two tunes is better to hear: the left, the right, or neither. */
export const Verdict = Type.Union([Type.Literal('left'), Type.Literal('right'), Type.Literal('same')]);
export type Verdict = Static<typeof Verdict>;

export const ListenPairQuery = Type.Object({
  sweep: Id,
  meter: Type.Optional(
    Type.String({ maxLength: 16, pattern: METER_PATTERN, description: "both tunes' meter (default: the most common meter of the sweep's training tunes, else 6/8)" }),
  ),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'fixes the choice among equally good pairs and the left/right order (tests)' })),
});
export type ListenPairQuery = Static<typeof ListenPairQuery>;

/** One side of a blind pair: an opaque sample id and the tune without its title or other names. */
export const BlindTune = Type.Object({
  /** A sample id (`sa-…`) whether a checkpoint or a human wrote it; vote with it. */
  id: Type.String(),
  abc: Type.String(),
});
export type BlindTune = Static<typeof BlindTune>;

export const ListenPair = Type.Object({
  sweepId: Type.String(),
  meter: Type.String(),
  /** In random order; which checkpoint wrote which is told only by the vote's answer. */
  left: BlindTune,
  right: BlindTune,
});
export type ListenPair = Static<typeof ListenPair>;

export const VoteRequest = Type.Object(
  {
    left: Id,
    right: Id,
    verdict: Verdict,
    voter: Type.Optional(Type.String({ minLength: 1, maxLength: 80, description: 'who voted (optional)' })),
  },
  { additionalProperties: false },
);
export type VoteRequest = Static<typeof VoteRequest>;

export const Vote = Type.Object({
  id: Type.String(),
  createdAt: Type.Number(),
  sweepId: Type.String(),
  voter: Nullable(Type.String()),
  leftSampleId: Type.String(),
  rightSampleId: Type.String(),
  verdict: Verdict,
});
export type Vote = Static<typeof Vote>;

/** A side of a pair once voted on: who wrote it, and the tune with its title. */
export const RevealedTune = Type.Object({
  sampleId: Type.String(),
  /** The checkpoint id, or the human player (`human:nottingham-jigs-test`). */
  player: Type.String(),
  human: Type.Boolean(),
  checkpointId: Nullable(Type.String()),
  trialId: Nullable(Type.String()),
  abc: Type.String(),
});
export type RevealedTune = Static<typeof RevealedTune>;

export const VoteResponse = Type.Object({ vote: Vote, left: RevealedTune, right: RevealedTune });
export type VoteResponse = Static<typeof VoteResponse>;

export const RatingsQuery = Type.Object({ sweep: Id });
export type RatingsQuery = Static<typeof RatingsQuery>;

/** A player's Bradley–Terry rating: log-odds, relative to the human tunes when they took part. */
export const PlayerRating = Type.Object({
  player: Type.String(),
  checkpointId: Nullable(Type.String()),
  trialId: Nullable(Type.String()),
  rating: Type.Number(),
  /** Standard error from the observed Fisher information (0 for the anchor). */
  stderr: Type.Number(),
  /** Votes the player took part in. */
  votes: Type.Integer(),
  /** Wins, a "same" counting half. */
  wins: Type.Number(),
});
export type PlayerRating = Static<typeof PlayerRating>;

export const RatingsResponse = Type.Object({
  sweepId: Type.String(),
  /** Votes in the sweep. */
  votes: Type.Integer(),
  /** The checkpoints with votes, best first. */
  ratings: Type.Array(PlayerRating),
  /** The held-out human tunes, the anchor (rating 0) when they took part; null otherwise (ratings then centre on 0 by the prior). */
  human: Nullable(PlayerRating),
  /** How to read the numbers. */
  model: Type.String(),
});
export type RatingsResponse = Static<typeof RatingsResponse>;

/** `<sample id>.abc` or `<sample id>.mid`. */
export const SampleFileParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*\\.(abc|mid)$', maxLength: 200 }) });
export type SampleFileParams = Static<typeof SampleFileParams>;

export const AliasName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

export const PromoteRequest = Type.Object(
  {
    checkpointId: Id,
    alias: Type.Optional(AliasName),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);
export type PromoteRequest = Static<typeof PromoteRequest>;

export const Alias = Type.Object({
  alias: Type.String(),
  version: Type.Integer(),
  checkpointId: Type.String(),
  note: Nullable(Type.String()),
  createdAt: Type.Number(),
  supersededAt: Nullable(Type.Number()),
  /** Where the checkpoint came from, for links. */
  trialId: Nullable(Type.String()),
  sweepId: Nullable(Type.String()),
});
export type Alias = Static<typeof Alias>;

export const PromoteResponse = Type.Object({
  alias: Alias,
  /** Mean loss on the run's test split in nats per symbol; null when there is no test split or no evaluator. */
  testLoss: Nullable(Type.Number()),
  testLossNote: Type.String(),
});
export type PromoteResponse = Static<typeof PromoteResponse>;

export const AliasList = Type.Object({ aliases: Type.Array(Alias) });
export type AliasList = Static<typeof AliasList>;

export const AliasParams = Type.Object({ alias: AliasName });

export const AliasDetail = Type.Object({ current: Nullable(Alias), history: Type.Array(Alias) });
export type AliasDetail = Static<typeof AliasDetail>;

/**
 * How far a running trial is, from the store alone: the last epoch it reported metrics for (steps are
 * epochs) of the epochs its config asks. Batches within an epoch live only in the sweeper's memory, so
 * they are not known here.
 */
export const TrialProgress = Type.Object({
  /** The last epoch with a metric point; null before the first epoch ends. */
  epoch: Nullable(Type.Integer({ minimum: 0 })),
  /** `train.epochs` of the trial's config; null when the config does not say. */
  epochs: Nullable(Type.Integer({ minimum: 0 })),
});
export type TrialProgress = Static<typeof TrialProgress>;

/** `event: hello`, first on every connection (and reconnection): what is running now and how far it is. */
export const SweepHelloEvent = Type.Object({
  sweepId: Type.String(),
  status: SweepStatus,
  counts: Type.Record(Type.String(), Type.Integer()),
  /** Per trial id, the trials running now. */
  progress: Type.Record(Type.String(), TrialProgress),
});
export type SweepHelloEvent = Static<typeof SweepHelloEvent>;

/** `event: sweep`: the sweep's status, trial counts or best trial changed. */
export const SweepChangeEvent = Type.Object({
  status: SweepStatus,
  counts: Type.Record(Type.String(), Type.Integer()),
  best: Nullable(Type.Object({ trialId: Type.String(), value: Type.Number() })),
});
export type SweepChangeEvent = Static<typeof SweepChangeEvent>;

/** `event: trial`: a trial is new or changed (status, best value, reason, epoch); the whole row as the trials route gives it. */
export const TrialChangeEvent = Type.Object({
  trial: Trial,
  /** Set while the trial runs and on the event that says it stopped; null otherwise. */
  progress: Nullable(TrialProgress),
});
export type TrialChangeEvent = Static<typeof TrialChangeEvent>;

/** `event: metrics`: points a running trial wrote since the last event (or since the connection began), per metric name. */
export const MetricsEvent = Type.Object({
  trialId: Type.String(),
  series: Type.Record(Type.String(), Type.Array(Point)),
});
export type MetricsEvent = Static<typeof MetricsEvent>;

/** `event: end`: the sweep is final (or gone) and nothing more will change; the stream closes. */
export const EndEvent = Type.Object({ status: Nullable(SweepStatus) });
export type EndEvent = Static<typeof EndEvent>;

/** Any one event's `data:` line, for the OpenAPI document (each event's name says which). */
export const SweepEvent = Type.Union([SweepHelloEvent, SweepChangeEvent, TrialChangeEvent, MetricsEvent, EndEvent]);
