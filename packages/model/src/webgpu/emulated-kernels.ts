/**
 * The CPU emulation of the WebGPU kernels (./emulate) behind the same interface as the WebGPU programs, so the
 * whole GPU op — its matmuls, slices, gradient wiring and the embedded path — runs and is tested on the cpu
 * backend.
 */
import { tf } from '../tf';
import { type LstmPlan, planLstm } from './layout';
import { emulateBackward, emulateForward } from './emulate';
import type { LstmGpuKernels } from './lstm-op';

const f32 = (t: tf.Tensor): Float32Array => Float32Array.from(t.dataSync());

/** Kernels that run the emulation; `plan` overrides planLstm (tests use tiny workgroups to cross chunk edges). */
export function emulatedKernels(plan?: (batch: number, units: number) => LstmPlan): LstmGpuKernels {
  const pick = plan ?? ((b: number, u: number) => planLstm(b, u));
  return {
    name: 'emulated',
    forward(a) {
      const cache = emulateForward(
        {
          batch: a.batch,
          time: a.time,
          units: a.units,
          xproj: f32(a.xproj),
          rk: f32(a.rk),
          h0: f32(a.h0),
          c0: f32(a.c0),
          ids: a.ids ? Int32Array.from(a.ids.dataSync()) : undefined,
        },
        pick(a.batch, a.units),
      );
      return tf.tensor4d(cache, [a.batch, a.time, 6, a.units]);
    },
    backward(a) {
      const grad = emulateBackward(
        {
          batch: a.batch,
          time: a.time,
          units: a.units,
          cache: f32(a.cache),
          rkT: f32(a.rkT),
          c0: f32(a.c0),
          dys: f32(a.dys),
          dhT: f32(a.dhT),
          dcT: f32(a.dcT),
        },
        pick(a.batch, a.units),
      );
      return tf.tensor4d(grad, [a.batch, a.time + 1, 4, a.units]);
    },
  };
}
