/**
 * The TypeScript reference kernels: the same maths as the native addon, written for clarity. Tests compare the
 * native kernels against these, and they are the fallback when the addon did not build (about 50× slower).
 */
import type {
  AdamScalars,
  DenseCeDims,
  EmbeddedLstmBackwardBuffers,
  EmbeddedLstmForwardBuffers,
  FusedKernels,
  LstmBackwardBuffers,
  LstmDims,
  LstmForwardBuffers,
} from './kernels';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function lstmForward(d: LstmDims, b: LstmForwardBuffers): void {
  const { batch: B, time: T, inputSize: I, units: U } = d;
  const G = 4 * U;
  const z = new Float64Array(G);
  for (let n = 0; n < B; n++) {
    const h = Float64Array.from(b.h0.subarray(n * U, (n + 1) * U));
    const c = Float64Array.from(b.c0.subarray(n * U, (n + 1) * U));
    for (let t = 0; t < T; t++) {
      const xo = (n * T + t) * I;
      for (let j = 0; j < G; j++) {
        let s = b.bias[j];
        for (let k = 0; k < I; k++) s += b.x[xo + k] * b.kernel[k * G + j];
        for (let k = 0; k < U; k++) s += h[k] * b.recurrentKernel[k * G + j];
        z[j] = s;
      }
      const yo = (n * T + t) * U;
      const go = (n * T + t) * G;
      for (let j = 0; j < U; j++) {
        const i = sigmoid(z[j]);
        const f = sigmoid(z[U + j]);
        const g = Math.tanh(z[2 * U + j]);
        const o = sigmoid(z[3 * U + j]);
        c[j] = f * c[j] + i * g;
        h[j] = o * Math.tanh(c[j]);
        b.ys[yo + j] = h[j];
        if (b.gates && b.cells) {
          b.gates[go + j] = i;
          b.gates[go + U + j] = f;
          b.gates[go + 2 * U + j] = g;
          b.gates[go + 3 * U + j] = o;
          b.cells[yo + j] = c[j];
        }
      }
    }
    b.hT?.set(h, n * U);
    b.cT?.set(c, n * U);
  }
}

function lstmBackward(d: LstmDims, b: LstmBackwardBuffers): void {
  const { batch: B, time: T, inputSize: I, units: U } = d;
  const G = 4 * U;
  b.dx?.fill(0);
  b.dKernel?.fill(0);
  b.dRecurrentKernel?.fill(0);
  b.dBias?.fill(0);
  const dz = new Float64Array(G);
  for (let n = 0; n < B; n++) {
    const dh = new Float64Array(U);
    const dc = new Float64Array(U);
    if (b.dhT) for (let j = 0; j < U; j++) dh[j] = b.dhT[n * U + j];
    if (b.dcT) for (let j = 0; j < U; j++) dc[j] = b.dcT[n * U + j];
    for (let t = T - 1; t >= 0; t--) {
      const yo = (n * T + t) * U;
      const go = (n * T + t) * G;
      const xo = (n * T + t) * I;
      const hPrev = t > 0 ? b.ys.subarray(yo - U, yo) : b.h0.subarray(n * U, (n + 1) * U);
      const cPrev = t > 0 ? b.cells.subarray(yo - U, yo) : b.c0.subarray(n * U, (n + 1) * U);
      for (let j = 0; j < U; j++) {
        const dhj = dh[j] + (b.dys ? b.dys[yo + j] : 0);
        const i = b.gates[go + j];
        const f = b.gates[go + U + j];
        const g = b.gates[go + 2 * U + j];
        const o = b.gates[go + 3 * U + j];
        const tc = Math.tanh(b.cells[yo + j]);
        const dcj = dc[j] + dhj * o * (1 - tc * tc);
        dz[j] = dcj * g * i * (1 - i);
        dz[U + j] = dcj * cPrev[j] * f * (1 - f);
        dz[2 * U + j] = dcj * i * (1 - g * g);
        dz[3 * U + j] = dhj * tc * o * (1 - o);
        dc[j] = dcj * f;
      }
      for (let k = 0; k < U; k++) {
        let s = 0;
        for (let j = 0; j < G; j++) s += dz[j] * b.recurrentKernel[k * G + j];
        dh[k] = s;
        if (b.dRecurrentKernel) for (let j = 0; j < G; j++) b.dRecurrentKernel[k * G + j] += hPrev[k] * dz[j];
      }
      for (let k = 0; k < I; k++) {
        if (b.dx) {
          let s = 0;
          for (let j = 0; j < G; j++) s += dz[j] * b.kernel[k * G + j];
          b.dx[xo + k] = s;
        }
        if (b.dKernel) for (let j = 0; j < G; j++) b.dKernel[k * G + j] += b.x[xo + k] * dz[j];
      }
      if (b.dBias) for (let j = 0; j < G; j++) b.dBias[j] += dz[j];
    }
    b.dh0?.set(dh, n * U);
    b.dc0?.set(dc, n * U);
  }
}

function gatherRows(table: Float32Array, ids: Int32Array, width: number): Float32Array {
  const x = new Float32Array(ids.length * width);
  for (let r = 0; r < ids.length; r++) x.set(table.subarray(ids[r] * width, (ids[r] + 1) * width), r * width);
  return x;
}

function lstmForwardEmbedded(d: LstmDims, _vocab: number, b: EmbeddedLstmForwardBuffers): void {
  lstmForward(d, { ...b, x: gatherRows(b.table, b.ids, d.inputSize) });
}

function lstmBackwardEmbedded(d: LstmDims, _vocab: number, b: EmbeddedLstmBackwardBuffers): void {
  const I = d.inputSize;
  const dx = b.dTable ? new Float32Array(b.ids.length * I) : undefined;
  lstmBackward(d, { ...b, x: gatherRows(b.table, b.ids, I), dx });
  if (b.dTable && dx) {
    b.dTable.fill(0);
    for (let r = 0; r < b.ids.length; r++) {
      for (let k = 0; k < I; k++) b.dTable[b.ids[r] * I + k] += dx[r * I + k];
    }
  }
}

function denseSoftmaxCeForward(
  d: DenseCeDims,
  x: Float32Array,
  kernel: Float32Array,
  bias: Float32Array,
  labels: Int32Array,
  probs: Float32Array,
): number {
  const { rows: N, hidden: H, classes: C } = d;
  const logits = new Float64Array(C);
  let total = 0;
  for (let n = 0; n < N; n++) {
    const label = labels[n];
    if (!(label >= 0 && label < C)) throw new RangeError(`label ${label} at row ${n} is outside [0, ${C})`);
    let max = -Infinity;
    for (let j = 0; j < C; j++) {
      let s = bias[j];
      for (let k = 0; k < H; k++) s += x[n * H + k] * kernel[k * C + j];
      logits[j] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(logits[j] - max);
    for (let j = 0; j < C; j++) probs[n * C + j] = Math.exp(logits[j] - max) / sum;
    total += max + Math.log(sum) - logits[label];
  }
  return total;
}

function countCorrect(probs: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let n = 0; n < labels.length; n++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (probs[n * classes + j] > probs[n * classes + best]) best = j;
    if (best === labels[n]) correct++;
  }
  return correct;
}

function denseSoftmaxCeBackward(
  d: DenseCeDims,
  x: Float32Array,
  kernel: Float32Array,
  labels: Int32Array,
  probs: Float32Array,
  scale: number,
  dx: Float32Array,
  dKernel: Float32Array,
  dBias: Float32Array,
): void {
  const { rows: N, hidden: H, classes: C } = d;
  dKernel.fill(0);
  dBias.fill(0);
  for (let n = 0; n < N; n++) {
    probs[n * C + labels[n]] -= 1;
    for (let j = 0; j < C; j++) probs[n * C + j] *= scale;
    for (let k = 0; k < H; k++) {
      let s = 0;
      for (let j = 0; j < C; j++) {
        s += probs[n * C + j] * kernel[k * C + j];
        dKernel[k * C + j] += x[n * H + k] * probs[n * C + j];
      }
      dx[n * H + k] = s;
    }
    for (let j = 0; j < C; j++) dBias[j] += probs[n * C + j];
  }
}

function adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, s: AdamScalars): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * s.gradScale;
    m[i] = s.beta1 * m[i] + (1 - s.beta1) * gi;
    v[i] = s.beta2 * v[i] + (1 - s.beta2) * gi * gi;
    out[i] = p[i] - (s.learningRate * (m[i] / s.oneMinusAccBeta1)) / (Math.sqrt(v[i] / s.oneMinusAccBeta2) + s.epsilon);
  }
}

function sumSquares(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

function dropoutMask(seed: number, rate: number, mask: Float32Array): void {
  const keep = 1 - rate;
  const threshold = Math.trunc(keep * 16777216);
  const scale = Math.fround(1 / keep);
  for (let i = 0; i < mask.length; i++) {
    // murmur3's 32-bit finaliser of seed ^ (i · golden ratio), as the native kernel computes it.
    let h = (seed ^ Math.imul(i, 0x9e3779b9)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    mask[i] = h >>> 8 < threshold ? scale : 0;
  }
}

function multiply(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}

/** The reference implementation of {@link FusedKernels}. */
export const referenceKernels: FusedKernels = {
  name: 'reference',
  floats: (n) => new Float32Array(n),
  lstmForward,
  lstmBackward,
  lstmForwardEmbedded,
  lstmBackwardEmbedded,
  denseSoftmaxCeForward,
  denseSoftmaxCeBackward,
  countCorrect,
  adamStep,
  sumSquares,
  sumSquaresEach: (xs) => xs.map(sumSquares),
  dropoutMask,
  multiply,
};
