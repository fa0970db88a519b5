/**
 * Embedding lookup with its own gradient. tf.gather's gradient is UnsortedSegmentSum, which the wasm backend
 * lacks and the cpu backend runs slowly; here the backward is one scatter-add loop over the ids, so training an
 * Embedding works on cpu and wasm alike. Plain TypeScript: it moves memory, there is nothing to vectorise.
 */
import { tf, tfl } from './tfjs';
import { timed } from './profile';
import { tensorBuffer } from './buffer-pool';
import { f32, i32 } from './tensor-data';

/**
 * Looks up rows of an embedding table.
 * @param table `[vocab, dim]`
 * @param ids integer ids of any shape `[...s]` (float ids are truncated), each in [0, vocab)
 * @returns `[...s, dim]`, differentiable with respect to table (ids get a zero gradient)
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [V, E] = table.shape;
  const idv = ids.dtype === 'int32' ? i32(ids) : Int32Array.from(ids.dataSync(), (v) => Math.trunc(v));
  for (let n = 0; n < idv.length; n++) {
    if (!(idv[n] >= 0 && idv[n] < V)) throw new RangeError(`Expected ids in [0, ${V}), but got ${idv[n]} at ${n}`);
  }
  // ids are not an input of the op: they are integers and get no gradient.
  const op = tf.customGrad((...args: unknown[]) => {
    const tbl = f32(args[0] as tf.Tensor);
    const out = tensorBuffer(idv.length * E, { zero: false }); // one row per id
    timed('embedding.forward', () => {
      for (let n = 0; n < idv.length; n++) out.set(tbl.subarray(idv[n] * E, idv[n] * E + E), n * E);
    });
    const value = tf.tensor(out, [...ids.shape, E], 'float32');
    const gradFunc = (dy: tf.Tensor): tf.Tensor => {
      const g = f32(dy);
      const dt = tensorBuffer(V * E, { zero: true }); // rows are scatter-added
      timed('embedding.backward', () => {
        for (let n = 0; n < idv.length; n++) {
          const row = idv[n] * E;
          const src = n * E;
          for (let j = 0; j < E; j++) dt[row + j] += g[src + j];
        }
      });
      return tf.tensor2d(dt, [V, E]);
    };
    return { value, gradFunc };
  });
  return op(table);
}

/** What a FusedEmbedding output was looked up from, so a FusedLSTM right after it can fuse the lookup. */
export interface EmbeddingSource {
  table: tf.Tensor2D;
  ids: { values: Int32Array; shape: [number, number] };
}

const sources = new WeakMap<tf.Tensor, EmbeddingSource>();

/** The table and ids a FusedEmbedding layer's `[batch, time, dim]` output came from, if it did. */
export function embeddingSourceOf(t: tf.Tensor): EmbeddingSource | undefined {
  return sources.get(t);
}

type EmbeddingArgs = Parameters<typeof tfl.layers.embedding>[0];
interface EmbeddingLike extends tfl.layers.Layer {
  embeddings: tfl.LayerVariable;
  computeOutputShape(shape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[];
}
const EmbeddingBase = Object.getPrototypeOf(tfl.layers.embedding({ inputDim: 1, outputDim: 1 }))
  .constructor as new (args: EmbeddingArgs) => EmbeddingLike;

/**
 * tfjs-layers' Embedding with the lookup of {@link embeddingLookup}: same weight (`<layer>/embeddings`), config
 * and output `[batch, time, dim]`, className `FusedEmbedding`; trains on backends without UnsortedSegmentSum.
 */
export class FusedEmbedding extends EmbeddingBase {
  static className = 'FusedEmbedding';

  constructor(args: EmbeddingArgs) {
    if (args.maskZero) throw new Error('FusedEmbedding does not support maskZero');
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const out = tf.tidy(() => {
      const input = Array.isArray(inputs) ? inputs[0] : inputs;
      const looked = embeddingLookup(this.embeddings.read() as tf.Tensor2D, input);
      return tf.reshape(looked, this.computeOutputShape(input.shape) as number[]);
    });
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (input.rank === 2) {
      const values = input.dtype === 'int32' ? i32(input) : Int32Array.from(input.dataSync(), (v) => Math.trunc(v));
      sources.set(out, { table: this.embeddings.read() as tf.Tensor2D, ids: { values, shape: input.shape as [number, number] } });
    }
    return out;
  }
}

tf.serialization.registerClass(
  FusedEmbedding as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** A {@link FusedEmbedding} layer; same options as tf.layers.embedding. */
export function fusedEmbeddingLayer(args: EmbeddingArgs): FusedEmbedding {
  return new FusedEmbedding(args);
}
