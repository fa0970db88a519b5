import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { prepareData } from '@tunelab/dataset';
import { train } from './train';
import { tinyConfig, writeTinyCorpus } from '../testing';

// Its own file: the backend is process-wide, and vitest runs each file in its own process.
test('an embedding model trains on wasm (UnsortedSegmentSum registered) and its loss falls', async () => {
  const config = tinyConfig(writeTinyCorpus(), { epochs: 2, backend: 'wasm', checkpoint_every: 0 });
  const home = mkdtempSync(join(tmpdir(), 'tunelab-wasm-'));
  const r = await train({ config, runId: 'w', home, prepared: await prepareData(config.data), maxBatchesPerEpoch: 20 });
  expect(r.engine.name).toBe('wasm');
  const [a, b] = r.history.map((h) => h.metrics.val_loss);
  expect(b).toBeLessThan(a);
});
