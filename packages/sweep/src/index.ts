export { createRng, type Rng } from './rng';
// Grid order and paramsKey are @tunelab/config's (gridPoints, paramsKey); the search uses the same.
export { type TrialParams, gridPointAt, sampleParameter, sampleParams, spaceSize } from './space';
export { type IntermediateValue, type TrialRecord, goalSign, intermediateValues, CHARACTERS_METRIC } from './history';
export { proposeRandom } from './random-search';
export {
  type TpeOptions,
  defaultGamma,
  defaultStartupTrials,
  defaultWeights,
} from './tpe/tpe';
export {
  type SearchConfig,
  type Proposal,
  type ProposalSource,
  type ProposeOptions,
  proposeNext,
  proposeBatch,
} from './propose';
export {
  type PruneTrial,
  type PruneDecision,
  type PruneOptions,
  ashaRungs,
  ashaRungIndex,
  shouldPrune,
} from './early-terminate';
export {
  TRIAL_STATUSES,
  type TrialStatus,
  TRIAL_TRANSITIONS,
  IN_FLIGHT_TRIAL_STATUSES,
  WAITING_TRIAL_STATUSES,
  FINAL_TRIAL_STATUSES,
  SWEEP_STATUSES,
  type SweepStatus,
  FINAL_SWEEP_STATUSES,
  isTrialStatus,
  isSweepStatus,
  canTransition,
  assertTransition,
  isInFlight,
  isWaiting,
  isFinalTrial,
  isFinalSweep,
  canRetry,
} from './lifecycle';
export {
  type ControllerConfig,
  type TrialHolder,
  type ControlledTrial,
  type ControlInput,
  type TrialVerdict,
  type TrialProposal,
  type SweepDecision,
  type ScheduledTrial,
  decide,
  isTimeUp,
  stopReason,
  staleReason,
  finalSweepStatus,
  sweepStatus,
} from './controller';
export {
  type Goal,
  type VectorTrial,
  dominates,
  nonDominatedRanks,
  paretoFront,
  objectiveVector,
  hypervolume,
  selectByHypervolume,
  splitNonDominated,
} from './pareto';
export { type ScoredTrial, type ScoredCheckpoint, improves, bestStep, bestTrial, rankCheckpoints, bestCheckpoint, trialCheckpoint } from './best';
export {
  type SummaryTrialRow,
  type SweepSummaryInput,
  type TrialSummary,
  type SweepSummary,
  summarize,
} from './summary';
export { type ImportanceTrial, type ImportanceOptions, type ImportanceResult, type ParamImportance, type StoredTrialLike, MIN_IMPORTANCE_TRIALS, parameterImportance, trialsWithMetric, valueAtStep, configuredGoal } from './importance';
