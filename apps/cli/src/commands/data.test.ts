import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'apps/cli/bin/tunelab.mjs');
// Tests only: CI sets TUNELAB_DATA_DIR; the shared copy is the fallback on the development machine.
const dataDir = [process.env.TUNELAB_DATA_DIR, '/work/shared/data/nottingham'].find(
  (d): d is string => !!d && existsSync(join(d, 'jigs.abc')),
);

function tunelab(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TUNELAB_DATA_DIR: dataDir, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!dataDir)(`tunelab data stats ${dataDir ? '' : '(skipped: set TUNELAB_DATA_DIR to the Nottingham files)'}`, () => {
  it('--json on raw jigs: 340 tunes, 129,665 characters, vocabulary 86, one JSON document on stdout', () => {
    const r = tunelab(['data', 'stats', '--corpus', 'nottingham', '--files', 'jigs', '--preprocessing', 'raw', '--json', '--val', '0']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ tunes: 340, chars: 129_665, vocabSize: 86, corpus: 'nottingham:jigs' });
    expect(s.batchesPerEpoch).toMatchObject({ batchSize: 16, seqLen: 64, stateful: 126 });
    expect(s.split.parts.train).toEqual({ tunes: 340, chars: 129_665, symbols: 129_665 });
  });

  it('prints split sizes for a text reader', () => {
    const r = tunelab(['data', 'stats', '--files', 'jigs', '--val', '0.1', '--seed', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tunes\s+340/);
    expect(r.stdout).toMatch(/characters\s+129,665/);
    expect(r.stdout).toMatch(/vocabulary\s+86 characters/);
    expect(r.stdout).toMatch(/train\s+306/);
    expect(r.stdout).toMatch(/val\s+34/);
  });

  it('an unknown file name: one line naming it and the known ones, exit 1', () => {
    const r = tunelab(['data', 'stats', '--files', 'jig', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--files: unknown file "jig" in corpus nottingham: expected one of .*jigs/);
  });

  it('--files with a path corpus: says to name the files in --corpus, exit 1', () => {
    const r = tunelab(['data', 'stats', '--corpus', dataDir!, '--files', 'jigs']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--files picks files of the named corpus "nottingham"; with a path corpus, name the files in --corpus/);
  });

  it('a path corpus: a file of the shared copy gives the same figures as the named corpus', () => {
    const r = tunelab(['data', 'stats', '--corpus', join(dataDir!, 'jigs.abc'), '--val', '0', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ tunes: 340, chars: 129_665, vocabSize: 86 });
  });

  it('a missing corpus path: one line naming it, exit 1', () => {
    const r = tunelab(['data', 'stats', '--corpus', 'no/such/folder', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--corpus: corpus no\/such\/folder not found/);
  });
});
