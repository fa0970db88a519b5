import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { prepareData } from '@tunelab/dataset';
import { selectEngine } from './engine';
import { train } from './train';
import { sample } from './sample';
import { tinyConfig, writeTinyCorpus } from '../testing';

// Its own file (the backend is process-wide). On a machine without a GPU adapter (this one: Dawn finds none)
// the GPU test skips and the refusal is checked instead.
let reason = '';
const available = await selectEngine('webgpu').then(
  () => true,
  (err: Error) => {
    reason = err.message;
    return false;
  },
);

test.skipIf(available)('without a GPU adapter, webgpu is refused with the reason (auto falls through)', () => {
  expect(reason).toMatch(/webgpu/);
  expect(reason).toMatch(/no Vulkan loader|no GPU adapter|not installed|failed/);
});

test.skipIf(!available)('on a GPU: the tiny config trains on webgpu, its loss falls, and it samples', async () => {
  const config = tinyConfig(writeTinyCorpus(), { epochs: 2, backend: 'webgpu', checkpoint_every: 0 });
  const home = mkdtempSync(join(tmpdir(), 'tunelab-webgpu-'));
  const r = await train({ config, runId: 'gpu', home, prepared: await prepareData(config.data), maxBatchesPerEpoch: 20 });
  expect(r.engine).toMatchObject({ name: 'webgpu', kernels: null, step: 'webgpu', multiThreadSafe: true });
  const [a, b] = r.history.map((h) => h.metrics.val_loss);
  expect(b).toBeLessThan(a);
  const tunes = await sample(r.checkpoints.at(-1)!.dir, { n: 1, maxLength: 50 });
  expect(tunes[0].text.startsWith('X:')).toBe(true);
});
