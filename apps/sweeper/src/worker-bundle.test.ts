import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, test } from 'vitest';
import { bundleWorkerExecArgv, trialWorkerFile } from './worker-bundle';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A two-file worker in a fresh folder: entry.ts imports answer.ts, whose value the tests change. */
function fixture(answer = 41): { dir: string; entry: string; answerFile: string; outDir: string; fallback: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-worker-bundle-'));
  dirs.push(dir);
  const answerFile = join(dir, 'answer.ts');
  writeFileSync(answerFile, `export const answer: number = ${answer};\n`);
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, "import { answer } from './answer';\nexport default function run(x: number): number {\n  return answer + x;\n}\n");
  const fallback = join(dir, 'boot.mjs');
  writeFileSync(fallback, 'export default () => -1;\n');
  return { dir, entry, answerFile, outDir: join(dir, 'dist'), fallback };
}

/** Loads the module in a fresh worker thread (as piscina does; no module cache from an earlier build) and calls it. */
async function call(href: string, x: number): Promise<number> {
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(href)}).then((m) => parentPort.postMessage(m.default(${x})));`,
    { eval: true },
  );
  try {
    return await new Promise<number>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  } finally {
    await w.terminate();
  }
}

describe('the prebuilt trial worker', () => {
  test('is built when missing, reused while its inputs are unchanged, rebuilt when one changes', async () => {
    const f = fixture();
    const first = await trialWorkerFile(f);
    expect(first).toMatchObject({ kind: 'bundle', built: true });
    expect(first.fallbackReason).toBeUndefined();
    expect(await call(first.href, 1)).toBe(42);
    // The manifest lists the inputs it was built from, and what built it (the recipe, esbuild's version).
    const manifest = JSON.parse(readFileSync(join(f.outDir, 'entry.inputs.json'), 'utf8')) as { inputs: Record<string, string> };
    const inputs = Object.keys(manifest.inputs);
    expect(inputs.filter((p) => p.startsWith(f.dir)).sort()).toEqual([f.answerFile, f.entry].sort());
    expect(inputs.some((p) => p.endsWith('worker-bundle.ts'))).toBe(true);
    expect(inputs.some((p) => /esbuild[\\/]package\.json$/.test(p))).toBe(true);

    expect(await trialWorkerFile(f)).toMatchObject({ kind: 'bundle', built: false, href: first.href });

    writeFileSync(f.answerFile, 'export const answer: number = 99;\n');
    const edited = await trialWorkerFile(f);
    expect(edited.built).toBe(true);
    expect(await call(edited.href, 1)).toBe(100);
  });

  test('a file replaced with the same size and mtime (as npm installs packages) still counts as changed', async () => {
    const f = fixture(41);
    // npm writes every installed file with this mtime (1985-10-26T08:15:00Z), whatever its version.
    const npmTime = new Date('1985-10-26T08:15:00Z');
    utimesSync(f.answerFile, npmTime, npmTime);
    expect((await trialWorkerFile(f)).built).toBe(true);
    const before = statSync(f.answerFile);
    const replacement = `${f.answerFile}.new`;
    writeFileSync(replacement, 'export const answer: number = 77;\n'); // same length as "= 41"
    utimesSync(replacement, npmTime, npmTime);
    renameSync(replacement, f.answerFile);
    expect(statSync(f.answerFile).size).toBe(before.size);
    expect(statSync(f.answerFile).mtimeMs).toBe(before.mtimeMs);
    const again = await trialWorkerFile(f);
    expect(again.built).toBe(true);
    expect(await call(again.href, 0)).toBe(77);
  });

  test('a source that does not compile falls back to the tsx boot file, with the reason', async () => {
    const f = fixture();
    writeFileSync(f.answerFile, 'export const answer: number = ;\n');
    const file = await trialWorkerFile(f);
    expect(file.kind).toBe('tsx');
    expect(file.built).toBe(false);
    expect(file.href).toMatch(/boot\.mjs$/);
    expect(file.fallbackReason).toMatch(/answer\.ts|Unexpected/);
  });
});

describe("a bundle worker's Node options", () => {
  const parent = ['--single-threaded-gc', '--import', 'tsx', '--max-old-space-size=512', '--enable-source-maps', '--conditions', 'dev', '-r', './otel.cjs', '--import=tsx/esm', '--loader', '/x/node_modules/tsx/dist/loader.mjs', '--cpu-prof-dir', 'prof', '--stack-size=900'];

  test('drop tsx and what a worker refuses, and keep the per-thread rest', () => {
    expect(bundleWorkerExecArgv(parent)).toEqual(['--enable-source-maps', '--conditions=dev', '--require=./otel.cjs', '--cpu-prof-dir=prof']);
    expect(bundleWorkerExecArgv(['-C', 'dev', '--import=./instrument.mjs'])).toEqual(['--conditions=dev', '--import=./instrument.mjs']);
    expect(bundleWorkerExecArgv([])).toEqual([]);
  });

  test('start a worker thread (which refuses process-wide options such as --single-threaded-gc)', async () => {
    expect(() => new Worker('0', { eval: true, execArgv: parent })).toThrow(/invalid execArgv/);
    const argv = bundleWorkerExecArgv(parent.filter((a) => a !== '-r' && a !== './otel.cjs' && !a.startsWith('--cpu-prof')));
    const w = new Worker("require('node:worker_threads').parentPort.postMessage(process.execArgv)", { eval: true, execArgv: argv });
    try {
      const seen = await new Promise<string[]>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      expect(seen).toEqual(['--enable-source-maps', '--conditions=dev']);
    } finally {
      await w.terminate();
    }
  });
});
