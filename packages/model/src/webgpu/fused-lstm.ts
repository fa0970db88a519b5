/** The GPU LSTM ops with the WebGPU programs, and a layer that uses them. */
import { type GpuEmbeddingLstmFn, type GpuLstmFn, makeGpuLstmOps } from './lstm-op';
import { webgpuKernels } from './programs';

const ops = makeGpuLstmOps(webgpuKernels);

/**
 * Runs an LSTM over a whole sequence with the WebGPU kernels (the webgpu backend must be active); the same
 * contract as fusedLstm: x `[batch, time, in]`, h0/c0 `[batch, units]`, kernel `[in, 4u]`,
 * recurrentKernel `[u, 4u]`, bias `[4u]` → y `[batch, time, units]` (differentiable), final h and c.
 */
export const webgpuFusedLstm: GpuLstmFn = (x, h0, c0, kernel, recurrentKernel, bias) =>
  ops.lstm(x, h0, c0, kernel, recurrentKernel, bias);

/** fusedEmbeddingLstm with the WebGPU kernels; ids may be an int32 tensor that stays on the GPU. */
export const webgpuFusedEmbeddingLstm: GpuEmbeddingLstmFn = (table, ids, h0, c0, kernel, recurrentKernel, bias) =>
  ops.embeddingLstm(table, ids, h0, c0, kernel, recurrentKernel, bias);
