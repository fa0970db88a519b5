/**
 * @tunelab/model — ModelSpec → TensorFlow.js model; backend choice (auto | webgpu | tfjs-node-gpu | tfjs-node |
 * wasm | cpu, with the native fused LSTM on cpu); the training loop (epochs, events, AbortSignal, resume,
 * max_minutes); checkpoints on disk; sampling whole tunes one symbol at a time.
 */
export type { ModelSpec, LstmSpec, LstmFusedSpec, LstmLayersSpec, GruSpec, CellKind } from './spec';
export { SEED_SPEC, specFromConfig, validateSpec } from './spec';
export type { BuildOptions, LayerSummary } from './build';
export { buildModel, describeModel, disposeModel, resetStates, summarize } from './build';
export type { EngineInfo, EngineName } from './engine';
export { AUTO_ORDER, selectBackend } from './engine';
export { fusedStatus } from './cells';
export type { TrainEvent, TrainOptions, TrainResult, EpochRecord, SampleEvaluator, SampleEvaluationContext } from './train';
export { train } from './train';
export type { EvaluateOptions, YardstickScores } from './evaluate';
export { evaluateLoss, evaluateYardstick } from './evaluate';
export type { Checkpoint, CheckpointEntry, CheckpointKind, CheckpointMeta } from './checkpoint';
export { CHECKPOINT_JSON, checkpointDir, cleanCheckpointLeftovers, deleteCheckpoint, listCheckpoints, loadCheckpoint, loadWeightsInto, verifyCheckpoint } from './checkpoint';
export { fileLoadHandler, fileSaveHandler } from './file-io';
export type { SampleOptions, SampledTune } from './sample';
export { sample, Sampler } from './sample';
