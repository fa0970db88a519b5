export { fusedAvailable, getKernels, paceProbe, setKernelThreads, setKernelsImpl } from './native';
export type {
  AdamScalars,
  DenseCeDims,
  EmbeddedLstmBackwardBuffers,
  EmbeddedLstmForwardBuffers,
  FusedKernels,
  LstmBackwardBuffers,
  LstmDims,
  LstmForwardBuffers,
} from './kernels';
export { referenceKernels } from './reference';
export { fusedEmbeddingLstm, fusedLstm, type FusedLstmOutput } from './lstm-op';
export { FusedLSTM, fusedLstmLayer, type FusedLSTMArgs } from './fused-lstm-layer';
export { embeddingLookup, embeddingSourceOf, FusedEmbedding, fusedEmbeddingLayer, type EmbeddingSource } from './embedding';
export { denseSoftmaxCrossEntropy, softmaxCrossEntropyFromLogits, type SoftmaxCeOutput } from './softmax-ce';
export { FusedAdamOptimizer } from './fused-adam';
export { fusedProfile } from './profile';
export { fusedDropout, FusedDropout, fusedDropoutLayer, maskSeed } from './dropout';
export { setTensorRecycling, withRecycledTensors } from './buffer-pool';
export { timed } from './profile';
