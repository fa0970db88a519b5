/**
 * Helper of `bench sweep` (not a bench itself): trains the sweep bench's trial model for a few short epochs on
 * the real jigs and prints its training speed in batches per second (epochs after the first, which warms up the
 * JIT). `bench sweep` runs it pinned to each CPU in turn (`taskset -c N`) to see what each vCPU delivers alone.
 *
 *   node --single-threaded-gc --import tsx bench/_trial-speed.ts '<run config yaml>' [batches per epoch]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunConfig } from '@tunelab/config';
import { train } from '@tunelab/model';

const [yaml, perEpoch = '40'] = process.argv.slice(2);
const home = mkdtempSync(join(tmpdir(), 'tunelab-bench-speed-'));
try {
  const seconds: number[] = [];
  const result = await train({
    config: parseRunConfig(yaml),
    runId: 'speed',
    home,
    maxBatchesPerEpoch: Number(perEpoch),
    onEvent: (e) => void (e.type === 'epoch' && seconds.push(e.metrics.seconds)),
  });
  const timed = seconds.slice(1);
  const batches = timed.length * Number(perEpoch);
  process.stdout.write(`${JSON.stringify({ batchesPerSec: batches / timed.reduce((a, b) => a + b, 0), engine: result.engine.name })}\n`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
