/**
 * @tunelab/model — ModelSpec → TensorFlow.js model; the engine, chosen once (auto | webgpu | tfjs-node-gpu |
 * tfjs-node | wasm | cpu, with the fused kernels on cpu; see docs/engines.md); the training loop (epochs,
 * events, AbortSignal, resume, max_minutes); checkpoints on disk; sampling whole tunes one symbol at a time.
 * Benches and apps import from here only: the lower-level pieces (the tfjs modules the package runs on, the
 * fused layers and kernels, the WebGPU device and checks) are exported below for them.
 */
export type { ModelSpec, LstmSpec, LstmFusedSpec, LstmLayersSpec, GruSpec, CellKind } from './spec';
export { SEED_SPEC, specFromConfig, validateSpec } from './spec';
export type { BuildOptions, LayerSummary } from './build';
export { buildModel, describeModel, disposeModel, dropoutLayers, engineOf, resetStates, summarize } from './build';
export type { EngineInfo, EngineName, KernelsImpl, MachineFacts, StepPath } from './engine';
export { activeEngine, AUTO_ORDER, EngineUnavailable, engineLine, fusedStatus, kernelsOverride, machineFacts, resolveEngine, resolveThreads, selectEngine, useEngine } from './engine';
export { TUNELAB_VERSION } from './version';
export type { AdamFlavour, TrainOptimizer } from './optimizer';
export { adamFlavourOf, createOptimizer } from './optimizer';
export type { StepModels } from './step';
export { stepModels } from './step';
export type { FusedTrainStep } from './fused-step';
export { fusedTrainStep } from './fused-step';
export type { TrainEvent, TrainOptions, TrainResult, EpochRecord, SampleEvaluator, SampleEvaluationContext } from './train';
export { train } from './train';
export type { EvaluateOptions, YardstickScores } from './evaluate';
export { evaluateLoss, evaluateYardstick } from './evaluate';
export type { Checkpoint, CheckpointEntry, CheckpointKind, CheckpointMeta } from './checkpoint';
export { CHECKPOINT_JSON, checkpointDir, cleanCheckpointLeftovers, deleteCheckpoint, listCheckpoints, loadCheckpoint, loadWeightsInto, verifyCheckpoint } from './checkpoint';
export { fileLoadHandler, fileSaveHandler } from './file-io';
export type { SampleOptions, SampledTune } from './sample';
export { sample, Sampler } from './sample';

// Lower-level pieces for benches and tools: the same tfjs instance the package registers its layers and
// kernels in, the fused layers and ops, and WebGPU (device, kernels, the check and its verdict).
export { tf, tfl } from './tf';
export type { FusedKernels, FusedLSTMArgs } from './fused';
export {
  denseSoftmaxCrossEntropy,
  FusedAdamOptimizer,
  fusedAvailable,
  fusedDropoutLayer,
  fusedEmbeddingLayer,
  fusedLstmLayer,
  fusedProfile,
  paceProbe,
  referenceKernels,
  setKernelThreads,
} from './fused';
export type { AdapterReport, CheckCase, CheckResult, WebgpuCheckLine, WebgpuVerdict } from './webgpu';
export {
  checkAdam,
  checkLstmOp,
  findGpuAdapter,
  judgeWebgpuVerdict,
  NO_ADAPTER,
  readWebgpuVerdict,
  runWebgpuCheck,
  useWebgpuBackend,
  WEBGPU_CHECK_COMMAND,
  WEBGPU_VERDICT_FILE,
  WebGpuAdamOptimizer,
  webgpuFusedEmbeddingLstm,
  webgpuFusedLstm,
  writeWebgpuVerdict,
} from './webgpu';
export { GPU_CHECK_CASES, GPU_TOLERANCE } from './webgpu/gpu-cases';
