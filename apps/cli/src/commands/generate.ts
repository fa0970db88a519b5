import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { Backend } from '@tunelab/config';
import { resolveHome } from '@tunelab/config';
import * as lazy from '../lazy';
import { log, printJson, say, UsageError } from '../output';
import { backendOption, positiveInt } from './model';

interface GenerateOptions {
  checkpoint?: string;
  model?: string;
  home?: string;
  store?: string;
  n: number;
  temperature: number;
  topK: number;
  topP: number;
  prime: string;
  seed: number;
  maxLength: number;
  out?: string;
  backend: Backend;
  json?: boolean;
}

function num(flag: string, ok: (v: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const v = Number(value);
    if (value.trim() === '' || !Number.isFinite(v) || !ok(v)) throw new InvalidArgumentError(`${flag}: expected ${expected}, but got "${value}"`);
    return v;
  };
}

/** `tunelab generate` */
export function registerGenerateCommands(program: Command): void {
  program
    .command('generate')
    .description('Sample whole tunes from a checkpoint, one character at a time.')
    .option('--checkpoint <dir>', 'a checkpoint folder (…/checkpoints/<run>/epoch-<n>)')
    .option('--model <alias>', 'a promoted model instead of a folder, e.g. champion (see `tunelab promote`)')
    .option('--home <dir>', 'tunelab home folder (for --model)')
    .option('--store <url>', 'store URL (for --model; default <home>/tunelab.db)')
    .option('-n, --n <count>', 'tunes to generate', positiveInt('-n'), 5)
    .option('--temperature <t>', 'softmax temperature', num('--temperature', (v) => v > 0, 'a number > 0'), 1)
    .option('--top-k <k>', 'keep the k most probable symbols (0 = all)', num('--top-k', (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0'), 0)
    .option('--top-p <p>', 'nucleus sampling: keep symbols up to probability p (1 = all)', num('--top-p', (v) => v > 0 && v <= 1, 'a number in (0, 1]'), 1)
    .option('--prime <text>', 'text every tune starts from', 'X:')
    .option('--seed <n>', 'sampling seed', num('--seed', Number.isInteger, 'an integer'), 1)
    .option('--max-length <n>', 'most characters generated per tune', positiveInt('--max-length'), 1000)
    .option('--out <file.abc>', 'write the tunes to a file instead of stdout')
    .addOption(backendOption('cpu'))
    .option('--json', 'print one JSON document on stdout')
    .action(async (opts: GenerateOptions) => {
      // Batch-1 steps are latency-bound: the cpu backend (with the native fused LSTM when built) is the default.
      if (!opts.checkpoint === !opts.model) throw new UsageError('give exactly one of --checkpoint <dir> and --model <alias>');
      const dir = opts.checkpoint ?? (await aliasCheckpointDir(opts.model!, opts.home, opts.store));
      const { loadCheckpoint, sample, selectBackend } = await lazy.model();
      const engine = await selectBackend(opts.backend);
      const ckpt = await loadCheckpoint(dir);
      log(`checkpoint ${ckpt.meta.runId} epoch ${ckpt.meta.epoch} (${ckpt.meta.kinds.join(', ')}); engine: ${engine.reason}`);
      const started = Date.now();
      const tunes = await sample(ckpt, {
        n: opts.n,
        temperature: opts.temperature,
        topK: opts.topK,
        topP: opts.topP,
        prime: opts.prime.replace(/\\n/g, '\n'),
        seed: opts.seed,
        maxLength: opts.maxLength,
      });
      const seconds = (Date.now() - started) / 1000;
      const chars = tunes.reduce((a, t) => a + t.length, 0);
      log(`${tunes.length} tunes, ${chars} characters in ${seconds.toFixed(1)} s (${Math.round(chars / seconds)} chars/s)`);
      const text = tunes.join('\n');
      if (opts.out) {
        await writeFile(opts.out, text);
        log(`wrote ${opts.out}`);
      }
      if (opts.json) {
        printJson({ checkpoint: dir, model: opts.model ?? null, epoch: ckpt.meta.epoch, engine: engine.name, out: opts.out ?? null, tunes });
      } else if (!opts.out) {
        say(false, text);
      }
    });
}

/**
 * The checkpoint folder an alias points at now. A checkpoint whose files live in the store (a PostgreSQL
 * store, no shared disk) is written to `<home>/checkpoints/_materialized/<id>` first.
 */
async function aliasCheckpointDir(alias: string, home: string | undefined, storeUrl: string | undefined): Promise<string> {
  const homeDir = resolveHome(home);
  const { materializeCheckpoint, openStore } = await lazy.store();
  const store = await openStore(storeUrl ?? { home: homeDir }, { readonly: true });
  try {
    const found = await store.getAlias(alias);
    if (!found?.current) throw new UsageError(`--model: no model is promoted as ${JSON.stringify(alias)} (promote one with \`tunelab promote <checkpoint-id> --alias ${alias}\`)`);
    const ckpt = await store.getCheckpoint(found.current.checkpointId);
    if (!ckpt) throw new UsageError(`--model ${alias}: its checkpoint ${found.current.checkpointId} is no longer in the store`);
    log(`model ${alias} → checkpoint ${ckpt.id}${found.current.note ? ` (${found.current.note})` : ''}`);
    return await materializeCheckpoint(store, ckpt.id, join(homeDir, 'checkpoints', '_materialized', ckpt.id));
  } finally {
    await store.close();
  }
}
