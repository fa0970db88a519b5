import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseRunConfig, type DataConfig } from '@tunelab/config';
import { PreparedDataCache } from './data-cache';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TUNE = (n: number) => `X: ${n}\nT:Tune ${n}\nM:6/8\nL:1/8\nK:G\nGAB cde|dcB AGF|GAB cde|d3 d3|]\n\n`;

function corpus(tunes: number): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-data-cache-'));
  dirs.push(dir);
  const file = join(dir, 'tunes.abc');
  writeFileSync(file, Array.from({ length: tunes }, (_, i) => TUNE(i + 1)).join(''));
  return { dir, file };
}

function dataConfig(file: string, seed = 1): DataConfig {
  return parseRunConfig(`data: { corpus: ${JSON.stringify(file)}, split: { val: 0.2, test: 0, seed: ${seed} } }\n`).data;
}

describe('the prepared data a worker reuses across trials', () => {
  test('the same data block gets the same prepared data; another block gets its own', async () => {
    const { file } = corpus(10);
    const cache = new PreparedDataCache();
    const first = await cache.get(dataConfig(file));
    expect(first.split.train.length + first.split.val.length).toBe(10);
    expect(await cache.get(dataConfig(file))).toBe(first);
    const other = await cache.get(dataConfig(file, 2));
    expect(other).not.toBe(first);
    expect(other.stats).toMatchObject({ corpus: first.stats.corpus });
  });

  test('a corpus file changed on disk is read again', async () => {
    const { file } = corpus(10);
    const cache = new PreparedDataCache();
    const first = await cache.get(dataConfig(file));
    appendFileSync(file, TUNE(11));
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    const again = await cache.get(dataConfig(file));
    expect(again).not.toBe(first);
    expect(again.split.train.length + again.split.val.length).toBe(11);
  });

  test('a failure is not kept: the next trial tries again', async () => {
    const { dir } = corpus(10);
    const missing = join(dir, 'later.abc');
    const cache = new PreparedDataCache();
    await expect(cache.get(dataConfig(missing))).rejects.toThrow(/later\.abc/);
    writeFileSync(missing, TUNE(1) + TUNE(2) + TUNE(3) + TUNE(4) + TUNE(5));
    const ok = await cache.get(dataConfig(missing));
    expect(ok.split.train.length + ok.split.val.length).toBe(5);
  });
});
