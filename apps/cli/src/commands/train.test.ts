import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { claimRunId } from './train';

describe('claimRunId', () => {
  test('runs started in the same second get folders of their own', () => {
    const home = mkdtempSync(join(tmpdir(), 'tunelab-runid-'));
    const ids = [0, 1, 2].map(() => claimRunId(home, 'train-20261206-232457'));
    expect(ids).toEqual(['train-20261206-232457', 'train-20261206-232457-2', 'train-20261206-232457-3']);
    for (const id of ids) expect(existsSync(join(home, 'checkpoints', id))).toBe(true);
  });
});
