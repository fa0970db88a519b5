export { createRng, type Rng } from './rng';
export {
  type TrialParams,
  discreteValues,
  gridPointAt,
  gridPoints,
  paramsKey,
  valueKey,
  sampleParameter,
  sampleParams,
  spaceSize,
} from './space';
export { type TrialStatus, type IntermediateValue, type TrialRecord, goalSign } from './history';
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
