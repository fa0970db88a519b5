import { describe, expect, test } from 'vitest';
import { InputError } from '@tunelab/config';
import { AUTO_ORDER, selectBackend } from './engine';
import { tf } from './tf';

describe('selectBackend', () => {
  test('cpu always starts; it is safe in worker threads', async () => {
    const info = await selectBackend('cpu');
    expect(info).toMatchObject({ name: 'cpu', multiThreadSafe: true });
    expect(tf.getBackend()).toBe('cpu');
  });

  test('auto tries the documented order and says why it skipped each backend', async () => {
    expect(AUTO_ORDER).toEqual(['webgpu', 'tfjs-node-gpu', 'tfjs-node', 'cpu+fused', 'wasm', 'cpu']);
    const info = await selectBackend('auto');
    expect(info.reason).toMatch(/^auto → /);
    expect(tf.getBackend()).toBe(info.name === 'tfjs-node' || info.name === 'tfjs-node-gpu' ? 'tensorflow' : info.name);
    if (info.name !== 'webgpu') expect(info.reason).toMatch(/webgpu/);
  });

  test('a named backend that cannot start throws InputError with the reason', async () => {
    let installed = true;
    try {
      await import(/* @vite-ignore */ ['@tensorflow', 'tfjs-node'].join('/'));
    } catch {
      installed = false;
    }
    if (installed) return; // nothing to check where tfjs-node is installed
    await expect(selectBackend('tfjs-node')).rejects.toThrow(InputError);
    await expect(selectBackend('tfjs-node')).rejects.toThrow(/not installed/);
    await expect(selectBackend('bogus' as never)).rejects.toThrow(/expected backend/);
  });

  test('wasm starts from the package files, and embedding gradients (UnsortedSegmentSum) work there', async () => {
    const gradOn = (backendName: 'cpu' | 'wasm') =>
      selectBackend(backendName).then(() =>
        tf.tidy(() => {
          const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
          const ids = tf.tensor1d([0, 2, 2, 1], 'int32');
          return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4]]))))(table).arraySync();
        }),
      );
    const info = await selectBackend('wasm');
    expect(info).toMatchObject({ name: 'wasm', fused: false, multiThreadSafe: true });
    expect(await gradOn('wasm')).toEqual([[1, 1], [4, 4], [5, 5]]);
    expect(await gradOn('cpu')).toEqual([[1, 1], [4, 4], [5, 5]]);
  });
});
