export { fusedAvailable, getKernels } from './native';
export type {
  AdamScalars,
  DenseCeDims,
  FusedKernels,
  LstmBackwardBuffers,
  LstmDims,
  LstmForwardBuffers,
} from './kernels';
export { referenceKernels } from './reference';
export { fusedLstm, type FusedLstmOutput } from './lstm-op';
export { FusedLSTM, fusedLstmLayer, type FusedLSTMArgs } from './fused-lstm-layer';
export { embeddingLookup, FusedEmbedding, fusedEmbeddingLayer } from './embedding';
export { denseSoftmaxCrossEntropy, softmaxCrossEntropyFromLogits, type SoftmaxCeOutput } from './softmax-ce';
export { FusedAdamOptimizer } from './fused-adam';
export { fusedProfile } from './profile';
export { fusedDropout, FusedDropout, fusedDropoutLayer } from './dropout';
