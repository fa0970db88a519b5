import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { Backend, ConstrainSetting } from '@tunelab/config';
import { CONSTRAIN_SETTINGS, resolveHome } from '@tunelab/config';
import type { Checkpoint } from '@tunelab/model';
import type { DrawResult, ReferenceCorpus } from '@tunelab/eval';
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
  prime?: string;
  meter?: string;
  seed: number;
  maxLength: number;
  out?: string;
  backend: Backend;
  constrain: ConstrainSetting;
  allowCopies?: boolean;
  json?: boolean;
}

function num(flag: string, ok: (v: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const v = Number(value);
    if (value.trim() === '' || !Number.isFinite(v) || !ok(v)) throw new InvalidArgumentError(`${flag}: expected ${expected}, but got "${value}"`);
    return v;
  };
}

/** `--constrain meter|syntax|off` (shared by generate and eval); a bad value is refused naming the flag. */
export function constrainOption(defaultValue?: ConstrainSetting): Option {
  const help = 'what the ABC checker refuses while sampling: meter (bars must fit the meter), syntax (well-formed only), off';
  const o = new Option('--constrain <mode>', defaultValue ? help : `${help} (default meter)`).choices(CONSTRAIN_SETTINGS);
  return defaultValue ? o.default(defaultValue) : o;
}

/** `--meter` and `--prime` help (shared by generate and eval). */
export const METER_HELP =
  "the tunes' meter, that is the kind of tune: 6/8 jigs, 4/4 reels & hornpipes, 3/4 waltzes, 2/4, 9/8 slip jigs, C … " +
  '(every M: line the tune writes is held to it: by the ABC checker when constrained, with --constrain off by a mask on the M: lines alone)';
export const PRIME_HELP =
  'text every tune starts from, \\n for a newline (default X:); constrained, the checker must accept it; with --meter ' +
  'any M: line in it must be that meter (with --constrain off a prime that reaches K: must hold it)';

/** `--meter`: a meter with a bar length, spaces removed (`6/8`); a usage error naming the flag otherwise. */
export async function meterFlag(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  const { meterChoice } = await lazy.abc();
  const meter = meterChoice(value);
  if (meter === null) throw new UsageError(`--meter: expected a meter like 6/8, but got ${JSON.stringify(value)}`);
  return meter;
}

/** `--prime` as typed: `\n` stands for a newline. */
export function primeFlag(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.replace(/\\n/g, '\n');
}

/** The sampler's refusal of `--prime` or `--meter` (an InputError at `prime`/`meter`) as a usage error naming the flag. */
export function asFlagUsageError(err: unknown): unknown {
  const e = err as { userError?: unknown; where?: unknown; message?: unknown } | null;
  if (e && e.userError === true && (e.where === 'prime' || e.where === 'meter') && typeof e.message === 'string') {
    return new UsageError(`--${e.where}: ${e.message.replace(/^(prime|meter): /, '')}`);
  }
  return err;
}

/** `--allow-copies` (shared by generate and eval). */
export const ALLOW_COPIES_HELP = 'keep tunes that copy a training tune (by default a copy is drawn again, up to 5 times per tune)';

/**
 * The training tunes of the checkpoint's own run, which decide what a copy is. Loading them can fail (no data
 * folder, offline): the error then says how to sample without the check.
 */
export async function copyReference(ckpt: Checkpoint): Promise<ReferenceCorpus> {
  const { checkpointReference } = await lazy.evaluation();
  try {
    return await checkpointReference(ckpt, { onProgress: log });
  } catch (err) {
    throw new UsageError(`cannot load the training tunes of run ${ckpt.meta.runId} to refuse copies of them: ${(err as Error).message}\n(--allow-copies samples without that check)`);
  }
}

/** A `CopiesError` from @tunelab/eval as a user error that names the flag that allows copies. */
export async function asCopiesUsageError(err: unknown): Promise<unknown> {
  const { CopiesError } = await lazy.evaluation();
  return err instanceof CopiesError ? new UsageError(`${err.message}; --allow-copies accepts copies`) : err;
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
    .option('--prime <text>', PRIME_HELP)
    .option('--meter <meter>', METER_HELP)
    .option('--seed <n>', 'sampling seed', num('--seed', Number.isInteger, 'an integer'), 1)
    .option('--max-length <n>', 'most characters generated per tune', positiveInt('--max-length'), 1000)
    .option('--out <file.abc>', 'write the tunes to a file instead of stdout')
    .addOption(constrainOption('meter'))
    .option('--allow-copies', ALLOW_COPIES_HELP)
    .addOption(backendOption('cpu'))
    .option('--json', 'print one JSON document on stdout')
    .action(async (opts: GenerateOptions) => {
      // Batch-1 steps are latency-bound: the cpu backend (with the native fused LSTM when built) is the default.
      if (!opts.checkpoint === !opts.model) throw new UsageError('give exactly one of --checkpoint <dir> and --model <alias>');
      opts.meter = await meterFlag(opts.meter);
      const dir = opts.checkpoint ?? (await aliasCheckpointDir(opts.model!, opts.home, opts.store));
      const { engineLine, loadCheckpoint, selectEngine } = await lazy.model();
      const engine = await selectEngine(opts.backend);
      const ckpt = await loadCheckpoint(dir);
      log(`checkpoint ${ckpt.meta.runId} epoch ${ckpt.meta.epoch} (${ckpt.meta.kinds.join(', ')}); engine: ${engineLine(engine)}`);
      // Before sampling: a corpus that cannot be loaded should not cost a whole sampling run first.
      const reference = opts.allowCopies ? null : await copyReference(ckpt);
      const started = Date.now();
      const drawn = await drawTunes(ckpt, reference, opts);
      const { copiesRedrawn } = drawn;
      // One file of tunes numbered 1, 2, … whatever numbers the model wrote.
      const { numberTune } = await lazy.abc();
      const tunes = drawn.tunes.map((t, i) => ({ ...t, text: numberTune(t.text, i + 1) }));
      const seconds = (Date.now() - started) / 1000;
      const chars = tunes.reduce((a, t) => a + t.text.length, 0);
      const masked = tunes.reduce((a, t) => a + t.maskedMassMean, 0) / tunes.length;
      log(
        `${tunes.length} tunes, ${chars} characters in ${seconds.toFixed(1)} s (${Math.round(chars / seconds)} chars/s); ` +
          `constrain ${opts.constrain}: ${(100 * masked).toFixed(1)}% of the probability mass masked per symbol on average; ` +
          (opts.allowCopies ? 'copies allowed' : `${copiesRedrawn} ${copiesRedrawn === 1 ? 'copy' : 'copies'} of training tunes drawn again`),
      );
      const unfinished = tunes.filter((t) => !t.complete).length;
      if (unfinished > 0) log(`${unfinished} of ${tunes.length} tunes did not end within --max-length ${opts.maxLength} (and what the checker may add): they are unfinished`);
      const text = tunes.map((t) => t.text).join('\n');
      if (opts.out) {
        await writeFile(opts.out, text);
        log(`wrote ${opts.out}`);
      }
      if (opts.json) {
        printJson({
          checkpoint: dir,
          model: opts.model ?? null,
          epoch: ckpt.meta.epoch,
          engine: engine.name,
          out: opts.out ?? null,
          constrain: opts.constrain,
          meter: opts.meter ?? null,
          allowCopies: opts.allowCopies === true,
          copiesRedrawn,
          tunes: tunes.map((t) => ({ text: t.text, maskedMassMean: t.maskedMassMean, maskedMassMax: t.maskedMassMax, redraws: t.redraws, complete: t.complete })),
        });
      } else if (!opts.out) {
        say(false, text);
      }
    });
}

/** `opts.n` tunes from one seeded stream, copies of `reference`'s tunes drawn again (none with --allow-copies). */
async function drawTunes(ckpt: Checkpoint, reference: ReferenceCorpus | null, opts: GenerateOptions): Promise<DrawResult> {
  const [{ Sampler }, { drawNovelTunes }] = await Promise.all([lazy.model(), lazy.evaluation()]);
  const sampler = Sampler.fromCheckpoint(ckpt);
  try {
    const stream = sampler.stream({
      temperature: opts.temperature,
      topK: opts.topK,
      topP: opts.topP,
      ...(opts.prime !== undefined ? { prime: primeFlag(opts.prime) } : {}),
      ...(opts.meter !== undefined ? { meter: opts.meter } : {}),
      seed: opts.seed,
      maxLength: opts.maxLength,
      constrain: opts.constrain,
    });
    return await drawNovelTunes(stream, reference, { n: opts.n, allowCopies: opts.allowCopies === true });
  } catch (err) {
    throw asFlagUsageError(await asCopiesUsageError(err));
  } finally {
    sampler.dispose();
  }
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
    const removed = found && !found.current ? found.history[0]?.removed : undefined;
    if (removed) throw new UsageError(`--model ${alias}: it pointed at ${removed.what}; it points at nothing now (promote another checkpoint)`);
    if (!found?.current) throw new UsageError(`--model: no model is promoted as ${JSON.stringify(alias)} (promote one with \`tunelab promote <checkpoint-id> --alias ${alias}\`)`);
    const ckpt = await store.getCheckpoint(found.current.checkpointId);
    if (!ckpt) throw new UsageError(`--model ${alias}: its checkpoint ${found.current.checkpointId} is no longer in the store`);
    log(`model ${alias} → checkpoint ${ckpt.id}${found.current.note ? ` (${found.current.note})` : ''}`);
    return await materializeCheckpoint(store, ckpt.id, join(homeDir, 'checkpoints', '_materialized', ckpt.id));
  } finally {
    await store.close();
  }
}
