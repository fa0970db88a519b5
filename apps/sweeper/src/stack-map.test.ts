import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, describe, expect, test } from 'vitest';
import { sourceMappedStack } from './stack-map';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-stack-map-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The stack of an error thrown in a bundled module, taken in a worker thread without source maps. */
async function rawStack(bundle: string): Promise<string> {
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(pathToFileURL(bundle).href)}).then((m) => { try { m.default(); } catch (e) { parentPort.postMessage(e.stack); } });`,
    { eval: true, execArgv: [] },
  );
  try {
    return await new Promise<string>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  } finally {
    await w.terminate();
  }
}

describe('a stack from the worker bundle', () => {
  test('names the TypeScript file, line and column it was thrown at', async () => {
    const deep = join(dir, 'deep.ts');
    // Line 3, column 9 is the `new Error`.
    writeFileSync(deep, 'export function check(n: number): number {\n  if (n > 1) return n;\n  throw new Error(`too small: ${n}`);\n}\n');
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, "import { check } from './deep';\nconst pad: string[] = [];\nexport default function run(): number {\n  return check(pad.length);\n}\n");
    const bundle = join(dir, 'out', 'entry.mjs');
    await build({ entryPoints: [entry], outfile: bundle, bundle: true, format: 'esm', platform: 'node', sourcemap: 'linked', sourcesContent: false, logLevel: 'silent' });

    const raw = await rawStack(bundle);
    expect(raw).toMatch(/entry\.mjs:\d+:\d+/);
    expect(raw).not.toMatch(/\.ts:/);
    const mapped = sourceMappedStack(raw);
    expect(mapped).toContain(`${deep}:3:9`);
    expect(mapped).toContain(`${entry}:4:10`);
    expect(mapped).not.toMatch(/entry\.mjs/);
    expect(mapped.split('\n')[0]).toBe('Error: too small: 0');
  });

  test('keeps positions in files without a map as they are', () => {
    const stack = `Error: x\n    at f (${join(dir, 'nomap.mjs')}:1:2)\n    at node:internal/process/task_queues:95:5`;
    expect(sourceMappedStack(stack)).toBe(stack);
  });
});
