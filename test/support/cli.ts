import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The workspace root and the real `tunelab` bin, for tests that run the command as a user would. */
export const repoRoot = resolve(import.meta.dirname, '../..');
export const tunelabBin = join(repoRoot, 'apps/cli/bin/tunelab.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tunelab <args>` in a child process (the real bin: tsx, every command module) and collects its
 * output. Each start costs a second or more, so tests start several at once where they can.
 */
export function runTunelab(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const child = spawn(process.execPath, [tunelabBin, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env,
      timeout: opts.timeoutMs ?? 240_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * Runs several `tunelab` invocations side by side (each start of the bin costs a second or two) and returns
 * their results by name; a null entry (a run that needs data this machine lacks) is left out.
 */
export async function runAll<K extends string>(runs: Record<K, string[] | null>): Promise<Partial<Record<K, CliResult>>> {
  const out: Partial<Record<K, CliResult>> = {};
  await Promise.all(
    (Object.entries(runs) as [K, string[] | null][]).map(async ([k, args]) => {
      if (args) out[k] = await runTunelab(args);
    }),
  );
  return out;
}
