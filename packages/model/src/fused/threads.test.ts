/**
 * The native kernels on several threads give the very bits they give on one: every threaded kernel, over
 * shapes off the micro-kernel's 6 × 16 tile, past its KC (256) and NC (1024) blocks, and with fewer tiles than
 * threads. Where the CPU has AVX-512F, the GEMMs' AVX-512 panel-pair kernel and the recurrence's rows path are
 * also checked against the AVX2 kernel and the units path, bit for bit. One-thread results are also checked
 * against the TypeScript reference, so a tile edge that loses columns on every thread count cannot pass as
 * "identical".
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { FusedKernels, LstmDims } from './kernels';
import { cacheLineOffset, fusedAvailable, getNativeKernels, setGemmKernel, setKernelThreads, setRecurrencePath } from './native';
import { referenceKernels } from './reference';
import { mismatch, randomArray } from './compare';

const native = getNativeKernels();
const threaded = fusedAvailable().threaded === true;
const THREADS = [2, 3];

afterAll(() => {
  if (native) setKernelThreads(1);
  setRecurrencePath('auto');
  setGemmKernel('auto');
});

// The GEMM micro-kernels this CPU runs (the AVX-512 panel-pair kernel where it has AVX-512F, else AVX2 alone):
// each is checked on its own, and against the other.
const gemmKernels = setGemmKernel('auto') === 'avx512f' ? (['avx2', 'auto'] as const) : (['auto'] as const);

// The recurrence's ways of sharing a step out that this CPU has (rows needs AVX-512F): each is checked on its own.
const paths = (['units', 'rows'] as const).filter((p) => setRecurrencePath(p) === p);
setRecurrencePath('auto');

/** Index of the first element whose bits differ (NaN payloads included), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** Runs `f` with the kernels on `threads` threads. */
function on<T>(threads: number, f: () => T): T {
  expect(setKernelThreads(threads)).toBe(threads);
  try {
    return f();
  } finally {
    setKernelThreads(1);
  }
}

/** Every output of f on 1 thread against each thread count, bit for bit. */
function expectSameBits(what: string, f: () => Record<string, Float32Array | number>): Record<string, Float32Array | number> {
  const one = on(1, f);
  for (const threads of THREADS) {
    const many = on(threads, f);
    for (const [key, value] of Object.entries(one)) {
      const other = many[key];
      if (typeof value === 'number') expect(other, `${key} of ${what} on ${threads} threads`).toBe(value);
      else expect(firstDifference(value, other as Float32Array), `${key} of ${what} on ${threads} threads`).toBe(-1);
    }
  }
  return one;
}

function lstm(k: FusedKernels, d: LstmDims, seed: number, vocab?: number) {
  const { batch: B, time: T, inputSize: I, units: U } = d;
  const ids = vocab ? Int32Array.from(randomArray(B * T, seed + 9), (v) => Math.floor((v + 1) * 0.5 * vocab) % vocab) : undefined;
  const table = vocab ? randomArray(vocab * I, seed + 10) : undefined;
  const common = {
    h0: randomArray(B * U, seed + 1, 0.5),
    c0: randomArray(B * U, seed + 2, 0.5),
    kernel: randomArray(I * 4 * U, seed + 3, 0.4),
    recurrentKernel: randomArray(U * 4 * U, seed + 4, 0.4),
    bias: randomArray(4 * U, seed + 5, 0.3),
    ys: new Float32Array(B * T * U),
    hT: new Float32Array(B * U),
    cT: new Float32Array(B * U),
    gates: new Float32Array(B * T * 4 * U),
    cells: new Float32Array(B * T * U),
  };
  const x = randomArray(B * T * I, seed);
  if (vocab) k.lstmForwardEmbedded(d, vocab, { ...common, table: table!, ids: ids! });
  else k.lstmForward(d, { ...common, x });
  const grads = {
    dh0: new Float32Array(B * U),
    dc0: new Float32Array(B * U),
    dKernel: new Float32Array(I * 4 * U),
    dRecurrentKernel: new Float32Array(U * 4 * U),
    dBias: new Float32Array(4 * U),
  };
  const upstream = { dys: randomArray(B * T * U, seed + 6), dhT: randomArray(B * U, seed + 7), dcT: randomArray(B * U, seed + 8) };
  let dInput: Float32Array;
  if (vocab) {
    dInput = new Float32Array(vocab * I);
    k.lstmBackwardEmbedded(d, vocab, { ...common, ...upstream, ...grads, table: table!, ids: ids!, dTable: dInput });
  } else {
    dInput = new Float32Array(B * T * I);
    k.lstmBackward(d, { ...common, ...upstream, ...grads, x, dx: dInput });
  }
  const { ys, hT, cT, gates, cells } = common;
  return { ys, hT, cT, gates, cells, dInput, ...grads };
}

describe.skipIf(!native)('the native kernels\' switches for tests', () => {
  it('refuse a name they do not know, naming the choices, and keep the one in effect', () => {
    const path = setRecurrencePath();
    const kernel = setGemmKernel();
    expect(() => setRecurrencePath('diagonal' as never)).toThrow('recurrencePath: expected "auto", "units" or "rows", got "diagonal"');
    expect(() => setGemmKernel(3 as never)).toThrow('gemmKernel: expected "auto" or "avx2"');
    expect(setRecurrencePath()).toBe(path);
    expect(setGemmKernel()).toBe(kernel);
    expect(setGemmKernel('avx2')).toBe(kernel === 'generic' ? 'generic' : 'avx2-fma');
    setGemmKernel('auto');
  });
});

describe.skipIf(!native)('output arrays for the native kernels', () => {
  it('start on a cache line and are zeroed, whatever their length', () => {
    const k = native as FusedKernels;
    const offsets = [1, 15, 16, 1000, 4096, 65536, 262144, 1 << 20].map((n) => {
      const x = k.floats(n);
      expect(x.length).toBe(n);
      expect(x.every((v) => v === 0)).toBe(true);
      return cacheLineOffset(x);
    });
    expect(offsets).toEqual(offsets.map(() => 0));
    // The probe sees an array that does not start a line (a large plain Float32Array starts 16 bytes into one).
    expect(cacheLineOffset(k.floats(64).subarray(3))).toBe(12);
  });
});

describe.skipIf(!native || !threaded)('threaded native kernels: bit-identical for any thread count', () => {
  const k = native as FusedKernels;

  it('LSTM forward and backward (plain and embedded) over odd shapes', () => {
    for (const [i, d] of [
      // 37 units: a task of 32 and a short one (5 units, part of a panel).
      { batch: 3, time: 5, inputSize: 7, units: 37 },
      // one task of units for three threads; one row
      { batch: 1, time: 4, inputSize: 3, units: 10 },
      // 4U = 280 > KC for the backward's dz · Uᵀ; batch 7 is off the 6-row tile; big enough for threaded GEMMs
      { batch: 7, time: 9, inputSize: 300, units: 70 },
      // the seed model's layer shape at a shorter sequence
      { batch: 16, time: 8, inputSize: 256, units: 256 },
      // U 300: a gate's columns cross a K block (256) in the backward's dz_t; batch 13 splits into uneven row blocks
      { batch: 13, time: 3, inputSize: 5, units: 300 },
    ].entries()) {
      for (const vocab of [undefined, 11]) {
        const ref = lstm(referenceKernels, d, 10 * i, vocab);
        let first: Record<string, Float32Array | number> | undefined;
        for (const path of paths)
          for (const gemm of gemmKernels) {
            setRecurrencePath(path);
            setGemmKernel(gemm);
            const what = `${vocab ? 'embedded ' : ''}LSTM ${JSON.stringify(d)} by ${path}, GEMM kernel ${gemm}`;
            const one = expectSameBits(what, () => lstm(k, d, 10 * i, vocab));
            for (const [key, value] of Object.entries(one)) {
              expect(mismatch(value as Float32Array, ref[key as keyof typeof ref]), `${key} of ${what} against the reference`).toBeLessThan(1);
              // Every path and kernel gives the very bits of the first.
              if (first) expect(firstDifference(value as Float32Array, first[key] as Float32Array), `${key} of ${what} against the first`).toBe(-1);
            }
            first ??= one;
          }
        setRecurrencePath('auto');
        setGemmKernel('auto');
      }
    }
  });

  it('dense + softmax cross-entropy forward (the summed loss too) and backward', () => {
    for (const [i, [rows, hidden, classes]] of [
      [37, 19, 23],
      [300, 64, 90],
      [1030, 257, 5],
    ].entries()) {
      const x = randomArray(rows * hidden, i);
      const kernel = randomArray(hidden * classes, i + 1, 0.3);
      const bias = randomArray(classes, i + 2, 0.3);
      const labels = Int32Array.from({ length: rows }, (_, r) => (r * 7 + i) % classes);
      const run = (kk: FusedKernels) => {
        const d = { rows, hidden, classes };
        const probs = new Float32Array(rows * classes);
        const loss = kk.denseSoftmaxCeForward(d, x, kernel, bias, labels, probs);
        const forward = Float32Array.from(probs);
        const dx = new Float32Array(rows * hidden);
        const dKernel = new Float32Array(hidden * classes);
        const dBias = new Float32Array(classes);
        kk.denseSoftmaxCeBackward(d, x, kernel, labels, probs, 1 / rows, dx, dKernel, dBias);
        return { loss, forward, dx, dKernel, dBias };
      };
      const what = `dense CE ${rows}×${hidden}→${classes}`;
      const one = expectSameBits(what, () => run(k));
      const ref = run(referenceKernels);
      expect(Math.abs((one.loss as number) - ref.loss) / Math.abs(ref.loss), `loss of ${what}`).toBeLessThan(1e-5);
      for (const key of ['forward', 'dx', 'dKernel', 'dBias'] as const) {
        expect(mismatch(one[key] as Float32Array, ref[key]), `${key} of ${what} against the reference`).toBeLessThan(1);
      }
    }
  });

  it('Adam over a length off its chunks', () => {
    const n = 3 * 16384 + 5;
    const p = randomArray(n, 1);
    const g = randomArray(n, 2);
    const s = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, oneMinusAccBeta1: 0.1, oneMinusAccBeta2: 0.001, gradScale: 0.5 };
    const run = (kk: FusedKernels) => {
      const m = randomArray(n, 3, 0.1);
      const v = Float32Array.from(randomArray(n, 4, 0.1), Math.abs);
      const out = new Float32Array(n);
      kk.adamStep(p, g, m, v, out, s);
      return { m, v, out };
    };
    const one = expectSameBits('adam', () => run(k));
    const ref = run(referenceKernels);
    for (const key of ['m', 'v', 'out'] as const) expect(mismatch(one[key] as Float32Array, ref[key]), key).toBeLessThan(1);
  });

  it('dropout mask and elementwise product over a length off their chunks', () => {
    const n = 3 * 16384 + 5;
    const a = randomArray(n, 5);
    const run = (kk: FusedKernels) => {
      const mask = new Float32Array(n);
      kk.dropoutMask(0x9e3779b9, 0.2, mask);
      const out = new Float32Array(n);
      kk.multiply(a, mask, out);
      return { mask, out };
    };
    const one = expectSameBits('dropout', () => run(k));
    const ref = run(referenceKernels);
    for (const key of ['mask', 'out'] as const) expect(firstDifference(one[key] as Float32Array, ref[key]), `${key} against the reference`).toBe(-1);
  });

  it('sums of squares of several arrays at once, each as sumSquares sums it alone', () => {
    const xs = [5000, 300001, 7, 65536, 120000].map((n, i) => randomArray(n, 20 + i));
    const one = expectSameBits('sumSquaresEach', () => Object.fromEntries(k.sumSquaresEach(xs).map((s, i) => [`x${i}`, s])));
    xs.forEach((x, i) => expect(one[`x${i}`], `x${i}`).toBe(k.sumSquares(x)));
  });

  it('SGEMM, plain and through transposed views, overwrite and accumulate, over odd shapes', () => {
    const addonPath = fileURLToPath(new URL('../../native/build/Release/tunelab_lstm.node', import.meta.url));
    const addon = createRequire(import.meta.url)(addonPath) as { sgemm(...args: unknown[]): void };
    for (const [i, [M, N, K]] of [
      [97, 1030, 257], // past NC and KC, rows off MC and MR
      [5, 2000, 40], // one row block: fewer row tiles than threads
      [250, 17, 1100], // one column panel, K in five blocks
      [50, 37, 513],
      [3, 300, 300], // three rows: the packed path, one short row tile
      [13, 48, 7], // three panels: a pair for the AVX-512 kernel and one left over
      [7, 33, 64], // a pair whose second panel is one column short of full: one panel at a time
      [40, 70, 1024], // few rows, four K blocks: on 2 threads shared out by K blocks, summed in block order
    ].entries()) {
      for (const [layout, beta] of [['nn', 0], ['nt', 1], ['tn', 0]] as const) {
        const A = randomArray(M * K, i);
        const B = randomArray(K * N, i + 1);
        const C0 = randomArray(M * N, i + 2);
        // A [M, K] row-major, or stored as Aᵀ [K, M]; B [K, N] row-major, or stored as Bᵀ [N, K].
        const [ars, acs] = layout === 'tn' ? [1, M] : [K, 1];
        const [brs, bcs] = layout === 'nt' ? [1, K] : [N, 1];
        const run = () => {
          const C = Float32Array.from(C0);
          addon.sgemm(M, N, K, A, ars, acs, B, brs, bcs, beta, C, N);
          return { C };
        };
        const [one, ...others] = gemmKernels.map((gemm) => {
          setGemmKernel(gemm);
          return expectSameBits(`sgemm ${layout} ${M}×${N}×${K} beta ${beta}, kernel ${gemm}`, run);
        });
        setGemmKernel('auto');
        for (const other of others)
          expect(firstDifference(other.C as Float32Array, one.C as Float32Array), `sgemm ${layout} ${M}×${N}×${K}: AVX-512 against AVX2`).toBe(-1);
        const want = new Float32Array(M * N);
        for (let r = 0; r < M; r++)
          for (let c = 0; c < N; c++) {
            let sum = 0;
            for (let p = 0; p < K; p++) sum += A[r * ars + p * acs] * B[p * brs + c * bcs];
            want[r * N + c] = sum + beta * C0[r * N + c];
          }
        expect(mismatch(one.C as Float32Array, want), `sgemm ${layout} ${M}×${N}×${K} against a plain loop`).toBeLessThan(1);
      }
    }
  });
});
