/**
 * The WGSL, compiled and validated by Dawn's shader compiler (Tint) on Dawn's null adapter: every program is
 * built through tfjs exactly as on a GPU (tfjs' bindings, uniforms and entry point around our code) and run
 * through the whole op, forward and gradients, inside WebGPU error scopes. The null adapter computes nothing,
 * so values are not checked here (emulate.test.ts and gpu.test.ts do that).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tf, tfl } from '../tf';
import { findGpuAdapter, useWebgpuBackend } from './device';
import { webgpuFusedEmbeddingLstm, webgpuFusedLstm } from './fused-lstm';
import { backwardShader, forwardShader } from './shaders';
import { planLstm } from './layout';
// The fused LSTM layer runs these kernels when built with device: 'webgpu' (as build.ts does on that engine).
import { fusedLstmLayer } from '../fused';
import { addNChunked, WebGpuAdamOptimizer } from './adam';
import { lstmForwardProgram, webgpuBackend } from './programs';

const adapter = await findGpuAdapter(['backend=null']);
const reason = adapter.found ? '' : ` (skipped: Dawn's null adapter is unavailable: ${adapter.description})`;
if (adapter.found) await useWebgpuBackend();
else console.warn(`wgsl.test.ts: Dawn's null adapter is unavailable: ${adapter.description}`);

type Scoped = { pushErrorScope(f: string): void; popErrorScope(): Promise<{ message: string } | null> };

async function errorsOf(run: () => void | Promise<void>): Promise<string[]> {
  const device = webgpuBackend().device as unknown as Scoped;
  device.pushErrorScope('validation');
  device.pushErrorScope('internal');
  device.pushErrorScope('out-of-memory');
  await run();
  const errs = [await device.popErrorScope(), await device.popErrorScope(), await device.popErrorScope()];
  return errs.filter((e): e is { message: string } => e !== null).map((e) => e.message);
}

async function compileErrors(code: string): Promise<string[]> {
  const device = webgpuBackend().device as unknown as {
    createShaderModule(d: { code: string }): { getCompilationInfo(): Promise<{ messages: { type: string; message: string; lineNum: number }[] }> };
  } & Scoped;
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code });
  const info = await module.getCompilationInfo();
  await device.popErrorScope();
  return info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}: ${m.message}`);
}

describe.skipIf(!adapter.found)(`WGSL of the WebGPU LSTM under Dawn's compiler${reason}`, () => {
  afterAll(() => tf.disposeVariables());

  const cases = [
    { B: 2, T: 3, I: 5, U: 7, vocab: 0 },
    { B: 16, T: 64, I: 512, U: 256, vocab: 86 },
    { B: 256, T: 8, I: 256, U: 256, vocab: 0 },
    { B: 3, T: 2, I: 4, U: 300, vocab: 0 },
  ];
  for (const { B, T, I, U, vocab } of cases) {
    it(`forward and backward programs compile, bind and dispatch at batch ${B}, time ${T}, in ${I}, units ${U}${vocab ? ', fed by an embedding' : ''}`, async () => {
      const before = tf.memory().numTensors;
      const errors = await errorsOf(async () => {
        const h0 = tf.zeros([B, U]) as tf.Tensor2D;
        const kernel = tf.zeros([I, 4 * U]) as tf.Tensor2D;
        const rk = tf.zeros([U, 4 * U]) as tf.Tensor2D;
        const bias = tf.zeros([4 * U]) as tf.Tensor1D;
        const dy = tf.ones([B, T, U]);
        const ids = tf.zeros([B, T], 'int32') as tf.Tensor2D;
        const source = vocab ? tf.zeros([vocab, I]) : tf.zeros([B, T, I]);
        const apply = (s: tf.Tensor, k: tf.Tensor, r: tf.Tensor) =>
          vocab
            ? webgpuFusedEmbeddingLstm(s as tf.Tensor2D, ids, h0, h0, k as tf.Tensor2D, r as tf.Tensor2D, bias)
            : webgpuFusedLstm(s as tf.Tensor3D, h0, h0, k as tf.Tensor2D, r as tf.Tensor2D, bias);
        const out = apply(source, kernel, rk);
        expect(out.y.shape).toEqual([B, T, U]);
        expect(out.h.shape).toEqual([B, U]);
        tf.dispose([out.y, out.h, out.c]);
        const grads = tf.grads((s, k, r) => tf.sum(tf.mul(apply(s, k, r).y, dy)))([source, kernel, rk]);
        expect(grads.map((g) => g.shape)).toEqual([source.shape, [I, 4 * U], [U, 4 * U]]);
        await grads[2].data(); // waits for the queue
        tf.dispose([...grads, h0, kernel, rk, bias, dy, ids, source]);
      });
      expect(errors).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  for (const adam of ['tf.train.adam', 'WebGpuAdamOptimizer (clipped)']) {
  it(`a stateful model with FusedLSTM (on webgpu) layers trains steps with ${adam}, leaving no tensors behind`, async () => {
    const [B, T, V] = [4, 6, 11];
    const model = tfl.sequential();
    model.add(tfl.layers.embedding({ inputDim: V, outputDim: 8, batchInputShape: [B, T] }));
    model.add(fusedLstmLayer({ units: 12, returnSequences: true, stateful: true, device: 'webgpu' }));
    model.add(fusedLstmLayer({ units: 10, returnSequences: true, stateful: true, device: 'webgpu' }));
    model.add(tfl.layers.dense({ units: V }));
    const opt = adam === 'tf.train.adam' ? tf.train.adam(1e-3) : new WebGpuAdamOptimizer(1e-3, 0.9, 0.999, 1e-7, 5);
    const x = tf.zeros([B, T], 'int32');
    const y = tf.oneHot(tf.zeros([B, T], 'int32') as tf.Tensor2D, V);
    const step = () => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true) as tf.Scalar;
    tf.dispose(step()); // optimizer slots and the layers' states now exist
    const before = tf.memory().numTensors;
    const errors = await errorsOf(async () => {
      for (let i = 0; i < 2; i++) {
        const loss = step();
        await loss.data();
        loss.dispose();
      }
    });
    expect(errors.map((e) => e.slice(0, 2000))).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });
  }

  it('tf.addN of 8 tensors is invalid on tfjs webgpu (why addNChunked exists), addNChunked is not', async () => {
    const xs = Array.from({ length: 8 }, () => tf.ones([300]));
    const broken = await errorsOf(async () => {
      const sum = tf.addN(xs);
      await sum.data();
      sum.dispose();
    });
    expect(broken.join('\n')).toMatch(/AddNPackedProgram/);
    const fine = await errorsOf(async () => {
      const sum = addNChunked(xs);
      await sum.data();
      sum.dispose();
    });
    expect(fine).toEqual([]);
    tf.dispose(xs);
  });

  it('an error in a program tfjs compiles is caught by the error scopes (the check can fail)', async () => {
    const plan = planLstm(2, 4);
    const program = lstmForwardProgram(2, 3, 4, plan, false);
    const good = program.getUserCode();
    program.getUserCode = () => good.replace('let gf = lstm_sigmoid(zf0);', 'let gf = lstm_sigmoid(zf0, 1);');
    program.shaderKey = 'broken';
    const backend = webgpuBackend();
    const inputs = [tf.zeros([6, 16]), tf.zeros([4, 16]), tf.zeros([2, 4]), tf.zeros([2, 4])];
    const errors = await errorsOf(() => {
      const out = backend.runWebGPUProgram(program, inputs, 'float32', [
        { type: 'int32', data: [2] },
        { type: 'int32', data: [3] },
      ]);
      backend.disposeData(out.dataId);
    });
    tf.dispose(inputs);
    expect(errors.join('\n')).toMatch(/lstm_sigmoid/);
  });

  it('a broken shader is reported (the check can fail)', async () => {
    const plan = planLstm(4, 8);
    expect(await compileErrors(forwardShader(8, plan, false).replace('lstm_sigmoid(zi0)', 'lstm_sigmoid(zi0, 1)'))).not.toEqual([]);
    // Our code alone is not a full module (tfjs supplies bindings and uniforms): it must fail on those names only.
    const alone = await compileErrors(backwardShader(8, plan));
    expect(alone.length).toBeGreaterThan(0);
    expect(alone.join('\n')).toMatch(/unresolved (value|identifier) '(localIndex|uniforms|result|cache|dhT|dcT|rkT|c0|dys|workgroupId)'/);
  });
});
