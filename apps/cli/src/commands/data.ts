import { Command, InvalidArgumentError, Option } from 'commander';
import type { DataConfig, Preprocessing } from '@tunelab/config';
import type { DataStats } from '@tunelab/dataset';
import { NOTTINGHAM, SEED_BATCH } from '../defaults';
import * as lazy from '../lazy';
import { log, printJson, say, table, UsageError } from '../output';

interface StatsOptions {
  corpus: string;
  files?: string[];
  dataDir?: string;
  preprocessing: Preprocessing;
  vocabulary: 'char' | 'token';
  val: number;
  test: number;
  seed: number;
  batchSize: number;
  seqLen: number;
  json?: boolean;
}

/** `tunelab data …` */
export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('Inspect training corpora: tunes, characters, vocabulary, splits.');
  data
    .command('stats')
    .description('Load a corpus as a run would and report its size, vocabulary, split and batches per epoch.')
    .option('--corpus <corpus>', `"${NOTTINGHAM}", or a path to an .abc file, a folder or a glob`, NOTTINGHAM)
    .option('--files <names...>', `files of the ${NOTTINGHAM} corpus, without .abc (comma or space separated; default: all)`, splitList)
    .option('--data-dir <dir>', 'folder holding the named corpus files (else TUNELAB_DATA_DIR, the cache, a download)')
    .addOption(new Option('--preprocessing <kind>', 'raw text, tunes rebuilt from their parse, or rebuilt with every X: written 1').choices(['raw', 'normalized', 'unnumbered']).default('raw'))
    .addOption(new Option('--vocabulary <kind>', 'one symbol per character or per ABC token').choices(['char', 'token']).default('char'))
    .option('--val <share>', 'share of tunes held out for validation', share('--val'), 0.1)
    .option('--test <share>', 'share of tunes held out for testing', share('--test'), 0.1)
    .option('--seed <n>', 'seed of the tune-level split', integer('--seed', Number.MIN_SAFE_INTEGER), 1)
    .option('--batch-size <n>', 'batch rows for the batches-per-epoch figure', integer('--batch-size', 1), SEED_BATCH.batchSize)
    .option('--seq-len <n>', 'batch length for the batches-per-epoch figure', integer('--seq-len', 1), SEED_BATCH.seqLen)
    .option('--json', 'print one JSON document on stdout')
    .action(async (opts: StatsOptions) => {
      const named = opts.corpus === NOTTINGHAM || opts.corpus.startsWith(`${NOTTINGHAM}:`);
      if (!named && opts.files && opts.files.length > 0) {
        throw new UsageError(
          `--files picks files of the named corpus "${NOTTINGHAM}"; with a path corpus, name the files in --corpus ` +
            `(a file, a folder, or a glob such as "dir/{jigs,hpps}.abc"), but got --corpus ${opts.corpus} --files ${opts.files.join(',')}`,
        );
      }
      const config: DataConfig = {
        corpus: opts.corpus,
        files: opts.files ?? [],
        preprocessing: opts.preprocessing,
        vocabulary: opts.vocabulary,
        split: { val: opts.val, test: opts.test, seed: opts.seed },
      };
      const { prepareData } = await lazy.dataset();
      const prepared = await prepareData(config, { dataDir: opts.dataDir, onProgress: log }).catch((err) => {
        throw asFlagError(err);
      });
      const stats: DataStats = { ...prepared.stats, batchesPerEpoch: await batchCounts(prepared.ids.train, opts) };
      if (opts.json) printJson(stats);
      else say(false, describe(stats));
    });
}

/** Batches per epoch at the asked shape; null where the training text is too short for one batch. */
async function batchCounts(ids: Int32Array, opts: StatsOptions): Promise<DataStats['batchesPerEpoch']> {
  const { ShuffledBatcher, StatefulBatcher } = await lazy.dataset();
  const count = (make: () => { batchesPerEpoch: number }) => {
    try {
      return make().batchesPerEpoch;
    } catch {
      return null;
    }
  };
  return {
    batchSize: opts.batchSize,
    seqLen: opts.seqLen,
    stateful: count(() => new StatefulBatcher(ids, opts.batchSize, opts.seqLen)),
    shuffled: count(() => new ShuffledBatcher(ids, opts.batchSize, opts.seqLen, opts.seed)),
  };
}

function describe(s: DataStats): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const unit = s.vocabulary === 'char' ? 'characters' : 'tokens';
  const p = s.split.parts;
  const tokens = s.vocabulary === 'token';
  const row = (name: string, part: typeof p.train) => [name, n(part.tunes), n(part.chars), ...(tokens ? [n(part.symbols)] : [])];
  const b = s.batchesPerEpoch;
  return [
    `corpus         ${s.corpus} (${s.preprocessing})`,
    ...s.files.map((f) => `  ${f.name}: ${n(f.tunes)} tunes, ${n(f.chars)} characters, from ${f.from}`),
    `tunes          ${n(s.tunes)}`,
    `characters     ${n(s.chars)}`,
    `vocabulary     ${n(s.vocabSize)} ${unit}${tokens ? ` (${n(s.symbols)} tokens in the corpus; id 0 is <unk>)` : ''}`,
    '',
    `split by tune, seed ${s.split.seed}, val ${s.split.val}, test ${s.split.test}:`,
    table(['part', 'tunes', 'characters', ...(tokens ? ['tokens'] : [])], [row('train', p.train), row('val', p.val), row('test', p.test)]),
    '',
    `batches per epoch at ${b.batchSize} × ${b.seqLen}: stateful ${b.stateful ?? 'too short'}, shuffled ${b.shuffled ?? 'too short'}`,
  ].join('\n');
}

/** Data errors name config keys (`data.corpus`); on the command line the flag is the place to fix. */
function asFlagError(err: unknown): unknown {
  const where = (err as { where?: unknown })?.where;
  const flags: Record<string, string> = { 'data.corpus': '--corpus', 'data.files': '--files', dataDir: '--data-dir' };
  if (typeof where === 'string' && where in flags && err instanceof Error) {
    return new UsageError(`${flags[where]}: ${err.message.slice(where.length + 2)}`);
  }
  return err;
}

function splitList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

function share(flag: string): (value: string) => number {
  return (value) => {
    const v = Number(value);
    if (value.trim() === '' || !Number.isFinite(v) || v < 0 || v >= 1) {
      throw new InvalidArgumentError(`${flag}: expected a share in [0, 1), but got "${value}"`);
    }
    return v;
  };
}

function integer(flag: string, min: number): (value: string) => number {
  return (value) => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < min) {
      throw new InvalidArgumentError(`${flag}: expected an integer${min > 0 ? ` ≥ ${min}` : ''}, but got "${value}"`);
    }
    return v;
  };
}
