/**
 * The fused LSTM on WebGPU (tfjs' webgpu backend in Node through Dawn): kernels, the op, a layer, and getting a
 * device. See ./layout for the buffers and the work split.
 */
export { findGpuAdapter, installNavigatorGpu, NO_ADAPTER, useWebgpuBackend, type AdapterReport } from './device';
export { webgpuFusedEmbeddingLstm, webgpuFusedLstm } from './fused-lstm';
export { makeGpuLstmOps, type GpuLstmOutput, type LstmGpuKernels } from './lstm-op';
export { webgpuKernels, lstmBackwardProgram, lstmForwardProgram } from './programs';
export { planLstm, webgpuLstmSupports, type LstmPlan } from './layout';
export { emulatedKernels } from './emulated-kernels';
export { checkAdam, checkLstmOp, type CheckCase, type CheckResult } from './check';
export { adamOpsKernels, adamWebgpuKernels, addNChunked, WebGpuAdamOptimizer, type AdamGpuKernels } from './adam';
export {
  judgeWebgpuVerdict,
  readWebgpuVerdict,
  runWebgpuCheck,
  WEBGPU_CHECK_COMMAND,
  WEBGPU_VERDICT_FILE,
  writeWebgpuVerdict,
  type WebgpuCheckLine,
  type WebgpuVerdict,
} from './verdict';
