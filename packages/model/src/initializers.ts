import { createRng } from '@tunelab/dataset';
import { tf, tfl } from './tf';

/** tfjs-layers does not export its Initializer base class; reach it through a built-in initializer. */
const InitializerBase = Object.getPrototypeOf(Object.getPrototypeOf(tfl.initializers.zeros())).constructor as {
  new (): { apply(shape: number[], dtype?: tf.DataType): tf.Tensor; getConfig(): tf.serialization.ConfigDict };
};

/**
 * An orthogonal matrix, seeded, computed in plain JavaScript. tfjs-layers' Orthogonal runs tf.linalg.qr,
 * which on the cpu backend takes minutes for the seed's 256 × 1024 recurrent kernels; modified Gram–Schmidt
 * on a Float64Array takes a fraction of a second. Same definition as Keras: QR of a standard normal matrix
 * (R's diagonal made positive), transposed when wider than tall, times `gain`.
 */
export class SeededOrthogonal extends InitializerBase {
  static className = 'TunelabOrthogonal';
  readonly gain: number;
  readonly seed: number;

  constructor(args: { gain?: number; seed: number }) {
    super();
    this.gain = args.gain ?? 1;
    this.seed = args.seed;
  }

  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (shape.length < 2) throw new Error(`Orthogonal initializer needs a matrix shape, got [${shape.join(', ')}]`);
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1];
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const rng = createRng(this.seed);
    const rand = (): number => rng.next();
    // q holds n column vectors of length m, each made orthonormal to the ones before it.
    const q = new Float64Array(m * n);
    for (let i = 0; i < m * n; i += 2) {
      const u = Math.max(rand(), 1e-12);
      const v = rand();
      const r = Math.sqrt(-2 * Math.log(u));
      q[i] = r * Math.cos(2 * Math.PI * v);
      if (i + 1 < m * n) q[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    for (let j = 0; j < n; j++) {
      const vj = q.subarray(j * m, (j + 1) * m);
      for (let k = 0; k < j; k++) {
        const qk = q.subarray(k * m, (k + 1) * m);
        let dot = 0;
        for (let i = 0; i < m; i++) dot += qk[i] * vj[i];
        for (let i = 0; i < m; i++) vj[i] -= dot * qk[i];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += vj[i] * vj[i];
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < m; i++) vj[i] /= norm;
    }
    // Row-major output [rows, cols]: tall → Q (m × n); wide → Qᵀ (n × m).
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        out[r * cols + c] = this.gain * (rows >= cols ? q[c * m + r] : q[r * m + c]);
      }
    }
    return tf.tensor(out, shape, dtype === 'int32' ? 'int32' : 'float32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { gain: this.gain, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededOrthogonal as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
