import { InputError } from '@tunelab/config';
import { tf } from './tf';
import type { tfl } from './tf';
import type { ModelSpec } from './spec';
import { fusedAvailable, fusedLstmLayer as makeFusedLstm } from './fused';

/**
 * Which recurrent implementation a spec gets. The fused LSTM (packages/model/src/fused) keeps the weights of
 * tf.layers.lstm, so `lstm` may pick either and a checkpoint moves between them.
 */
export type ResolvedCell = 'layers' | 'fused' | 'gru';

/**
 * Whether the native fused kernels can serve the active backend. They read and write tensor memory on the
 * JavaScript side, so they are the fast path on the cpu backend only; elsewhere (wasm, webgpu, tfjs-node)
 * they would force a download of every tensor.
 */
export function fusedStatus(): { native: boolean; reason?: string } {
  // An escape hatch for comparisons and for ruling the kernels out when debugging.
  if (process.env.TUNELAB_FUSED === '0') return { native: false, reason: 'disabled by TUNELAB_FUSED=0' };
  const s = fusedAvailable();
  if (!s.native) return { native: false, reason: s.reason ?? 'native fused kernels unavailable' };
  return { native: true };
}

/** Fused kernels usable now: built and the active backend is cpu. */
export function fusedActive(): boolean {
  // tf.backend() starts the default backend when none was chosen yet (building a model would anyway).
  tf.backend();
  return tf.getBackend() === 'cpu' && fusedStatus().native;
}

export function resolveCell(spec: ModelSpec): ResolvedCell {
  switch (spec.cell) {
    case 'gru':
      return 'gru';
    case 'lstm-layers':
      return 'layers';
    case 'lstm-fused': {
      const s = fusedStatus();
      if (!s.native) throw new InputError(`cell lstm-fused needs the native fused LSTM kernel: ${s.reason}`, 'model.cell');
      return 'fused';
    }
    case 'lstm':
      return fusedActive() ? 'fused' : 'layers';
    default: {
      const never: never = spec;
      throw new InputError(`unknown cell ${JSON.stringify((never as { cell: unknown }).cell)}`, 'model.cell');
    }
  }
}

/** The fused LSTM layer (same options and weights as tf.layers.lstm). */
export function fusedLstmLayer(args: Parameters<typeof tfl.layers.lstm>[0]): tfl.layers.Layer {
  return makeFusedLstm(args);
}
