import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { runTunelab } from '../support/cli';

// Issue 21, item 8: a corpus path may be a FIFO or /dev/zero. Reading one blocked for ever (a FIFO with no
// writer) or filled memory (/dev/zero). A corpus file must be a regular file of bounded size, refused with
// an InputError naming the path. Through the real CLI, so a hang fails at the child's timeout, not the suite's.

const dir = mkdtempSync(join(tmpdir(), 'hostile-corpus-'));
const fifo = join(dir, 'tunes.abc');
execFileSync('mkfifo', [fifo]);
const zero = join(dir, 'zero.abc');
symlinkSync('/dev/zero', zero);

const stats = (corpus: string) => runTunelab(['data', 'stats', '--corpus', corpus], { timeoutMs: 30_000 });

describe('a corpus path that is not a regular file', () => {
  it('a FIFO is refused at once, naming the path', async () => {
    const t = performance.now();
    const r = await stats(fifo);
    expect(performance.now() - t).toBeLessThan(25_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--corpus: ${fifo} is a FIFO; a corpus file must be a regular file`);
  });

  it('/dev/zero (through a link named .abc) is refused, naming the path', async () => {
    const r = await stats(zero);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--corpus: ${zero} is a device; a corpus file must be a regular file`);
  });
});
