import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { resolveHome } from './home';

const saved = process.env.TUNELAB_HOME;
afterEach(() => {
  if (saved === undefined) delete process.env.TUNELAB_HOME;
  else process.env.TUNELAB_HOME = saved;
});

test('home is .tunelab at the nearest folder with nx.json, from any subfolder', () => {
  delete process.env.TUNELAB_HOME;
  const root = mkdtempSync(join(tmpdir(), 'tunelab-home-'));
  writeFileSync(join(root, 'nx.json'), '{}');
  const deep = join(root, 'apps', 'sweeper');
  mkdirSync(deep, { recursive: true });
  expect(resolveHome(undefined, deep)).toBe(join(root, '.tunelab'));
  expect(resolveHome(undefined, root)).toBe(join(root, '.tunelab'));
});

test('explicit --home wins over TUNELAB_HOME, which wins over the workspace', () => {
  process.env.TUNELAB_HOME = '/tmp/from-env';
  expect(resolveHome(undefined, '/')).toBe('/tmp/from-env');
  expect(resolveHome('/tmp/explicit', '/')).toBe('/tmp/explicit');
});
