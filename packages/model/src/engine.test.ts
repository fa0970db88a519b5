import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '@tunelab/config';
import { EngineUnavailable, engineLine, kernelsOverride, machineFacts, resolveEngine, resolveThreads, selectEngine, type EngineName, type MachineFacts } from './engine';
import { buildModel, disposeModel, engineOf } from './build';
import { tf } from './tf';
import { judgeWebgpuVerdict, readWebgpuVerdict, writeWebgpuVerdict, type WebgpuVerdict } from './webgpu/verdict';

const ADAPTER = 'nvidia / hopper / NVIDIA H100';

/**
 * A machine described by the test: which backends start, whether the addon loaded, the environment, the GPU
 * adapter and a fresh cache folder. `started` lists the backends resolveEngine started, in order.
 */
function facts(over: Partial<MachineFacts> & { startable?: EngineName[]; adapter?: string | null } = {}): MachineFacts & { started: EngineName[] } {
  const startable = over.startable ?? ['cpu', 'wasm'];
  const started: EngineName[] = [];
  return {
    native: { available: true, kernel: 'avx2-fma', threaded: true },
    cores: 4,
    env: {},
    cacheDir: mkdtempSync(join(tmpdir(), 'tunelab-engine-')),
    version: '1.2.3',
    webgpuAdapter: async () => (over.adapter === undefined || over.adapter === null ? { name: null, reason: 'no GPU adapter' } : { name: over.adapter }),
    async start(name) {
      if (!startable.includes(name)) throw new EngineUnavailable(`${name} is not installed`);
      started.push(name);
      return `${name} started`;
    },
    ...over,
    started,
  };
}

function verdict(over: Partial<WebgpuVerdict> = {}): WebgpuVerdict {
  return { passed: true, adapter: ADAPTER, version: '1.2.3', checkedAt: '2026-01-02T03:04:05.000Z', checks: 7, failed: [], ...over };
}

describe('resolveEngine: auto', () => {
  test('with the native addon: cpu with the native kernels and the fused step, one thread; says what it skipped', async () => {
    const f = facts();
    const e = await resolveEngine('auto', f);
    expect(e).toMatchObject({ name: 'cpu', kernels: 'native', step: 'fused-step', threads: 1, multiThreadSafe: true });
    expect(e.reason).toMatch(/^auto → cpu started with the native fused LSTM kernels \(avx2-fma\)/);
    expect(e.reason).toMatch(/skipped: webgpu: not checked on this machine/);
    expect(e.reason).toMatch(/tfjs-node-gpu is not installed; tfjs-node is not installed/);
    expect(f.started).toEqual(['cpu']);
  });

  test('without the native addon: the TypeScript reference kernels on cpu, never wasm', async () => {
    const f = facts({ native: { available: false, reason: 'cannot load tunelab_lstm.node' } });
    const e = await resolveEngine('auto', f);
    expect(e).toMatchObject({ name: 'cpu', kernels: 'reference', step: 'fused-step', threads: 1 });
    expect(e.reason).toMatch(/reference fused kernels/);
    expect(e.reason).toMatch(/cpu\+native: cannot load tunelab_lstm.node/);
    expect(f.started).toEqual(['cpu']);
  });

  test('libtensorflow comes before the cpu kernels when installed, and is not thread-safe', async () => {
    const e = await resolveEngine('auto', facts({ startable: ['tfjs-node', 'cpu'] }));
    expect(e).toMatchObject({ name: 'tfjs-node', kernels: null, step: 'layers', multiThreadSafe: false });
  });

  test('TUNELAB_FUSED=0 gives tfjs-layers on cpu; TUNELAB_FUSED_IMPL=reference the reference kernels', async () => {
    expect(await resolveEngine('auto', facts({ env: { TUNELAB_FUSED: '0' } }))).toMatchObject({ name: 'cpu', kernels: null, step: 'layers' });
    expect(await resolveEngine('auto', facts({ env: { TUNELAB_FUSED_IMPL: 'reference' } }))).toMatchObject({ name: 'cpu', kernels: 'reference' });
    expect(() => kernelsOverride({ TUNELAB_FUSED_IMPL: 'fast' })).toThrow(/native, reference or off/);
  });
});

describe('resolveEngine: WebGPU joins auto only with a passing verdict for this adapter and version', () => {
  const gpu = (v: WebgpuVerdict | null, adapter: string | null = ADAPTER) => {
    const f = facts({ startable: ['webgpu', 'cpu'], adapter });
    if (v) writeWebgpuVerdict(f.cacheDir, v);
    return f;
  };

  test('no verdict: auto skips webgpu (without starting it) and names the check command', async () => {
    const f = gpu(null);
    const e = await resolveEngine('auto', f);
    expect(e.name).toBe('cpu');
    expect(e.reason).toMatch(/webgpu: not checked on this machine \(run `npx tsx scripts\/gpu\/check-entry.ts`\)/);
    expect(f.started).toEqual(['cpu']);
  });

  test('a passing verdict for this adapter and version: auto picks webgpu and the engine line shows the verdict', async () => {
    const f = gpu(verdict());
    const e = await resolveEngine('auto', f);
    expect(e).toMatchObject({ name: 'webgpu', kernels: null, step: 'webgpu', webgpuVerdict: { adapter: ADAPTER, version: '1.2.3' } });
    expect(engineLine(e)).toMatch(/^webgpu, step webgpu, 1 thread — auto → webgpu started \(verified: check passed on nvidia \/ hopper \/ NVIDIA H100 with tunelab 1.2.3/);
    expect(f.started).toEqual(['webgpu']);
  });

  test('a stale verdict (another tunelab version) is not used', async () => {
    const e = await resolveEngine('auto', gpu(verdict({ version: '1.2.2' })));
    expect(e.name).toBe('cpu');
    expect(e.reason).toMatch(/webgpu: the check ran with tunelab 1.2.2, this is 1.2.3/);
  });

  test('a verdict for another adapter, a failed verdict, or no adapter now: not used', async () => {
    expect((await resolveEngine('auto', gpu(verdict({ adapter: 'AMD / rdna3' })))).reason).toMatch(/another adapter \(AMD \/ rdna3/);
    expect((await resolveEngine('auto', gpu(verdict({ passed: false, failed: ['adam'] })))).reason).toMatch(/the check failed on .*\(adam\)/);
    expect((await resolveEngine('auto', gpu(verdict(), null))).reason).toMatch(/webgpu: no GPU adapter/);
  });

  test('backend: webgpu starts without a verdict and says it is unverified', async () => {
    const e = await resolveEngine('webgpu', gpu(null));
    expect(e).toMatchObject({ name: 'webgpu', step: 'webgpu' });
    expect(e.reason).toMatch(/unverified: not checked on this machine/);
  });

  test('verdict files: read back as written; a missing or malformed file is no verdict', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunelab-verdict-'));
    expect(readWebgpuVerdict(dir)).toBeNull();
    writeWebgpuVerdict(dir, verdict());
    expect(readWebgpuVerdict(dir)).toEqual(verdict());
    expect(judgeWebgpuVerdict(readWebgpuVerdict(dir), ADAPTER, '1.2.3').ok).toBe(true);
    expect(judgeWebgpuVerdict(null, ADAPTER, '1.2.3').ok).toBe(false);
  });
});

describe('resolveEngine: forced backends', () => {
  test('cpu, wasm and tfjs-node start what they name or throw InputError with the reason', async () => {
    expect(await resolveEngine('cpu', facts())).toMatchObject({ name: 'cpu', kernels: 'native', step: 'fused-step' });
    expect(await resolveEngine('cpu', facts({ native: { available: false, reason: 'no addon' } }))).toMatchObject({ name: 'cpu', kernels: 'reference' });
    expect(await resolveEngine('wasm', facts())).toMatchObject({ name: 'wasm', kernels: null, step: 'layers' });
    await expect(resolveEngine('tfjs-node', facts())).rejects.toThrow(InputError);
    await expect(resolveEngine('tfjs-node', facts())).rejects.toThrow(/backend tfjs-node is not available: tfjs-node is not installed/);
    await expect(resolveEngine('webgpu', facts())).rejects.toThrow(/backend webgpu is not available/);
    await expect(resolveEngine('bogus' as never, facts())).rejects.toThrow(/expected backend/);
  });

  test('TUNELAB_FUSED_IMPL=native without the addon is refused', async () => {
    const f = facts({ native: { available: false, reason: 'no addon' }, env: { TUNELAB_FUSED_IMPL: 'native' } });
    await expect(resolveEngine('cpu', f)).rejects.toThrow(/TUNELAB_FUSED_IMPL=native but no addon/);
  });
});

describe('threads', () => {
  test('train.threads: auto is every core; a number is kept; only the native kernels get more than one', async () => {
    expect(resolveThreads('auto', 6)).toBe(6);
    expect(resolveThreads(3, 6)).toBe(3);
    expect(() => resolveThreads(0, 6)).toThrow(/expected threads to be auto or a positive integer, but got 0/);
    expect(await resolveEngine('cpu', facts(), 'auto')).toMatchObject({ kernels: 'native', threads: 4 });
    expect(await resolveEngine('auto', facts(), 3)).toMatchObject({ kernels: 'native', threads: 3 });
    // Sampling, generation, evaluation: one thread unless asked.
    expect(await resolveEngine('cpu', facts())).toMatchObject({ threads: 1 });
    expect(await resolveEngine('cpu', facts({ native: { available: false, reason: 'no addon' } }), 'auto')).toMatchObject({ kernels: 'reference', threads: 1 });
    expect(await resolveEngine('wasm', facts(), 'auto')).toMatchObject({ threads: 1 });
    const single = await resolveEngine('cpu', facts({ native: { available: true, threaded: false } }), 'auto');
    expect(single).toMatchObject({ kernels: 'native', threads: 1 });
    expect(single.reason).toMatch(/one thread: the addon was built without threads/);
    expect(engineLine(await resolveEngine('cpu', facts(), 2))).toMatch(/step fused-step, 2 threads — /);
    await expect(resolveEngine('cpu', facts(), -1)).rejects.toThrow(InputError);
  });
});

describe('selectEngine on this machine', () => {
  test('cpu starts tfjs’ cpu backend; models built afterwards carry the engine', async () => {
    const e = await selectEngine('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(e.kernels).toBe(machineFacts().native.available ? 'native' : 'reference');
    const model = buildModel({ cell: 'lstm', embeddingDim: 4, layers: [3], dropout: 0, stateful: false }, 5, { seed: 1 });
    try {
      expect(engineOf(model)).toBe(e);
      expect(model.layers.some((l) => l.getClassName() === 'FusedLSTM')).toBe(true);
    } finally {
      disposeModel(model);
    }
  });

  test('a model built for an engine without fused kernels gets tfjs-layers’ LSTM', async () => {
    const e = await selectEngine('cpu', { ...machineFacts({ TUNELAB_FUSED: '0' }) });
    expect(e).toMatchObject({ kernels: null, step: 'layers' });
    const model = buildModel({ cell: 'lstm', embeddingDim: 4, layers: [3], dropout: 0, stateful: false }, 5, { seed: 1, engine: e });
    try {
      expect(model.layers.some((l) => l.getClassName() === 'LSTM')).toBe(true);
    } finally {
      disposeModel(model);
    }
    await selectEngine('cpu');
  });

  test('wasm starts from the package files, and embedding gradients (UnsortedSegmentSum) work there', async () => {
    const gradOn = (backendName: 'cpu' | 'wasm') =>
      selectEngine(backendName).then(() =>
        tf.tidy(() => {
          const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
          const ids = tf.tensor1d([0, 2, 2, 1], 'int32');
          return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4]]))))(table).arraySync();
        }),
      );
    const info = await selectEngine('wasm');
    expect(info).toMatchObject({ name: 'wasm', kernels: null, multiThreadSafe: true });
    expect(await gradOn('wasm')).toEqual([[1, 1], [4, 4], [5, 5]]);
    expect(await gradOn('cpu')).toEqual([[1, 1], [4, 4], [5, 5]]);
  });
});
