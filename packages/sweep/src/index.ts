export { createRng, type Rng } from './rng';
// Grid order and paramsKey are @tunelab/config's (gridPoints, paramsKey); the search uses the same.
export { type TrialParams, gridPointAt, sampleParameter, sampleParams, spaceSize } from './space';
export { type TrialStatus, type IntermediateValue, type TrialRecord, goalSign, intermediateValues, CHARACTERS_METRIC } from './history';
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
export { TRIAL_STATUSES, allowedTransitions, canTransition, assertTransition, isTerminal } from './trial-status';
export {
  type ScheduledTrial,
  type SweepStatus,
  type SchedulerConfig,
  type SweepFlags,
  type ResumeFlags,
  type SchedulerState,
  type SweepAction,
  type SchedulePlan,
  isTimeUp,
  canRetry,
  sweepStatus,
  nextActions,
} from './scheduler';
export { type ScoredTrial, type ScoredCheckpoint, improves, bestStep, bestTrial, rankCheckpoints, bestCheckpoint } from './best';
export {
  type SummaryTrialRow,
  type SweepSummaryInput,
  type TrialSummary,
  type SweepSummary,
  summarize,
} from './summary';
