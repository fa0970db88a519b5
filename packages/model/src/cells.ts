import { InputError } from '@tunelab/config';
import type { tfl } from './tf';
import type { EngineInfo } from './engine';
import type { ModelSpec } from './spec';
import { fusedLstmLayer as makeFusedLstm, type FusedLSTMArgs } from './fused';

/**
 * Which recurrent implementation a spec gets on an engine. The fused LSTM (packages/model/src/fused) keeps the
 * weights of tf.layers.lstm, so `lstm` may pick either and a checkpoint moves between them.
 * `fused`: the fused LSTM layer, on the cpu kernels or (webgpu) the WGSL programs.
 */
export type ResolvedCell = 'layers' | 'fused' | 'gru';

/** Whether the engine runs the fused LSTM: the cpu backend with fused kernels, or webgpu with its programs. */
export function engineFusesLstm(engine: Pick<EngineInfo, 'name' | 'kernels'>): boolean {
  return engine.name === 'webgpu' || (engine.name === 'cpu' && engine.kernels !== null);
}

/** Whether the engine is the cpu backend with fused kernels (which then serve embedding, dropout and loss too). */
export function usesCpuKernels(engine: Pick<EngineInfo, 'name' | 'kernels'>): boolean {
  return engine.name === 'cpu' && engine.kernels !== null;
}

/** The recurrent implementation of a spec on an engine. */
export function resolveCell(spec: ModelSpec, engine: Pick<EngineInfo, 'name' | 'kernels'>): ResolvedCell {
  switch (spec.cell) {
    case 'gru':
      return 'gru';
    case 'lstm-layers':
      return 'layers';
    case 'lstm-fused':
      if (!engineFusesLstm(engine)) {
        throw new InputError(`cell lstm-fused needs an engine with the fused LSTM (backend cpu or webgpu), but the engine is ${engine.name} without fused kernels`, 'model.cell');
      }
      return 'fused';
    case 'lstm':
      return engineFusesLstm(engine) ? 'fused' : 'layers';
    default: {
      const never: never = spec;
      throw new InputError(`unknown cell ${JSON.stringify((never as { cell: unknown }).cell)}`, 'model.cell');
    }
  }
}

/** The fused LSTM layer (same options and weights as tf.layers.lstm). */
export function fusedLstmLayer(args: FusedLSTMArgs): tfl.layers.Layer {
  return makeFusedLstm(args);
}
