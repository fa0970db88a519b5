/**
 * The LSTM kernels as tfjs WebGPU programs, run with `backend.runWebGPUProgram` so tfjs owns the buffers, the
 * pipeline cache, the command encoder and the ordering against every other tfjs op. Each is one dispatch over
 * the whole sequence (see planLstm for the split and its trade-off).
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { tf } from '../tf';
import { DEFAULT_LIMITS, type LstmPlan, type PlanLimits, planLstm } from './layout';
import { backwardShader, forwardShader, LSTM_UNIFORMS } from './shaders';
import type { BackwardArgs, ForwardArgs, LstmGpuKernels } from './lstm-op';

class LstmProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  uniforms = LSTM_UNIFORMS;
  size = false;

  constructor(
    name: string,
    outputShape: number[],
    variableNames: string[],
    plan: LstmPlan,
    private readonly code: () => string,
  ) {
    this.outputShape = outputShape;
    this.variableNames = variableNames;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [plan.groups, 1, 1];
    this.workgroupSize = [plan.groupSize, 1, 1];
    // Batch and time are uniforms; everything baked into the code is in the key.
    this.shaderKey = `${name}_u${outputShape[3]}_r${plan.rowsPerGroup}_wg${plan.groupSize}`;
  }

  getUserCode(): string {
    return this.code();
  }
}

/** Forward program: output cache `[batch, time, 6, u]`. */
export function lstmForwardProgram(batch: number, time: number, units: number, plan: LstmPlan, embedded: boolean): WebGPUProgram {
  const names = ['xproj', 'rk', 'h0', 'c0', ...(embedded ? ['ids'] : [])];
  return new LstmProgram(`tunelabLstmForward${embedded ? 'Embedded' : ''}`, [batch, time, 6, units], names, plan, () =>
    forwardShader(units, plan, embedded),
  );
}

/** Backward program: output grad `[batch, time + 1, 4, u]`. */
export function lstmBackwardProgram(batch: number, time: number, units: number, plan: LstmPlan): WebGPUProgram {
  const names = ['cache', 'rkT', 'c0', 'dys', 'dhT', 'dcT'];
  return new LstmProgram('tunelabLstmBackward', [batch, time + 1, 4, units], names, plan, () => backwardShader(units, plan));
}

/** The active backend as the WebGPU backend, or an error naming the active one. */
export function webgpuBackend(): WebGPUBackend {
  if (tf.getBackend() !== 'webgpu') throw new Error(`Expected the webgpu backend to be active, but got ${tf.getBackend()}`);
  return tf.backend() as unknown as WebGPUBackend;
}

/** The device's workgroup limits (tfjs asks the adapter for its maxima). */
export function deviceLimits(backend: WebGPUBackend): PlanLimits {
  const l = backend.device?.limits;
  return l
    ? { maxWorkgroupStorageBytes: l.maxComputeWorkgroupStorageSize, maxInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup }
    : DEFAULT_LIMITS;
}

/** Rows per workgroup asked for by `TUNELAB_WEBGPU_LSTM_ROWS` (for tuning on a GPU), else planLstm's choice. */
function rowsOverride(): number | undefined {
  const v = process.env.TUNELAB_WEBGPU_LSTM_ROWS;
  return v ? Number(v) : undefined;
}

function run(backend: WebGPUBackend, program: WebGPUProgram, inputs: tf.Tensor[], batch: number, time: number): tf.Tensor {
  const info = backend.runWebGPUProgram(program, inputs, 'float32', [
    { type: 'int32', data: [batch] },
    { type: 'int32', data: [time] },
  ]);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** The kernels on the active webgpu backend. */
export const webgpuKernels: LstmGpuKernels = {
  name: 'webgpu',
  forward(a: ForwardArgs): tf.Tensor {
    const backend = webgpuBackend();
    const plan = planLstm(a.batch, a.units, deviceLimits(backend), rowsOverride());
    const program = lstmForwardProgram(a.batch, a.time, a.units, plan, a.ids !== undefined);
    const inputs = [a.xproj, a.rk, a.h0, a.c0, ...(a.ids ? [a.ids] : [])];
    return run(backend, program, inputs, a.batch, a.time);
  },
  backward(a: BackwardArgs): tf.Tensor {
    const backend = webgpuBackend();
    const plan = planLstm(a.batch, a.units, deviceLimits(backend), rowsOverride());
    const program = lstmBackwardProgram(a.batch, a.time, a.units, plan);
    return run(backend, program, [a.cache, a.rkT, a.c0, a.dys, a.dhT, a.dcT], a.batch, a.time);
  },
};
