import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ConstrainSetting, DataConfig } from '@tunelab/config';
import type { CheckpointEvalReport, EvalReport, ReferenceCorpus } from '@tunelab/eval';
import type { YardstickScores } from '@tunelab/model';
import * as lazy from '../lazy';
import { UsageError, log, printJson, say, table } from '../output';
import { ALLOW_COPIES_HELP, asCopiesUsageError, asFlagUsageError, constrainOption, METER_HELP, meterFlag, PRIME_HELP, primeFlag } from './generate';

interface EvalFlags {
  checkpoint?: string;
  n: string;
  temperature: string;
  seed: string;
  tunes?: string;
  corpus?: string;
  files?: string;
  split?: string;
  reference?: string;
  val: string;
  test: string;
  splitSeed: string;
  abc2midi: boolean;
  perTune?: boolean;
  constrain?: ConstrainSetting;
  allowCopies?: boolean;
  meter?: string;
  prime?: string;
  json?: boolean;
}

/** `tunelab eval`: music metrics of sampled or given tunes against a reference corpus. */
export function registerEvalCommands(program: Command): void {
  program
    .command('eval')
    .description(
      'Evaluate tunes: validity (tunelab and abc2midi -c), bar lengths, novelty against a reference corpus ' +
        '(longest verbatim span, copies), diversity and distributions.\n' +
        '  tunelab eval --checkpoint <dir> [-n 50] [--temperature 1] [--seed 1]   samples vs the training split\n' +
        '       [--constrain meter|syntax|off] [--allow-copies]                   sampled as generate does: copies drawn again\n' +
        '       [--meter 6/8] [--prime TEXT]                                      one kind of tune; distributions vs the training tunes of that meter\n' +
        '  tunelab eval --tunes f.abc --corpus nottingham --files jigs            a file vs those whole files\n' +
        '  tunelab eval --corpus nottingham --files jigs --split val --val 0.1     held-out tunes vs the training split',
    )
    .option('--checkpoint <dir>', 'sample from this checkpoint and compare with its training split')
    .option('-n, --n <count>', 'samples to draw from the checkpoint', '50')
    .option('--temperature <t>', 'sampling temperature', '1')
    .option('--seed <seed>', 'sampling seed', '1')
    .addOption(constrainOption())
    .option('--allow-copies', `with --checkpoint: ${ALLOW_COPIES_HELP}`)
    .option('--meter <meter>', `${METER_HELP}; the distributions are compared with the reference tunes of that meter (novelty with all of them)`)
    .option('--prime <text>', `with --checkpoint: ${PRIME_HELP}`)
    .option('--tunes <file>', 'an ABC file of tunes to evaluate')
    .option('--corpus <corpus>', 'the reference corpus: nottingham, a file, folder or glob')
    .option('--files <names>', 'comma-separated files of the corpus (without .abc)')
    .option('--split <part>', 'evaluate this part of the corpus (train, val or test) instead of --tunes')
    .option('--reference <which>', 'all = every corpus tune, train = the training split (default: train with --split, else all)')
    .option('--val <share>', 'validation share when splitting the corpus', '0.1')
    .option('--test <share>', 'test share when splitting the corpus', '0.1')
    .option('--split-seed <seed>', 'seed of the tune-level split', '1')
    .option('--no-abc2midi', 'skip the abc2midi -c cross-check')
    .option('--per-tune', 'include one entry per tune in the JSON report')
    .option('--json', 'print one JSON document on stdout')
    .action(async (flags: EvalFlags) => {
      if (flags.checkpoint && (flags.tunes || flags.split || flags.corpus)) {
        throw new UsageError('eval: --checkpoint compares samples with its own training split; drop --tunes, --split and --corpus');
      }
      if (!flags.checkpoint && (flags.constrain || flags.allowCopies || flags.prime !== undefined)) {
        const flag = flags.constrain ? '--constrain' : flags.allowCopies ? '--allow-copies' : '--prime';
        throw new UsageError(`eval: ${flag} is about sampling, so it needs --checkpoint <dir>`);
      }
      flags.meter = await meterFlag(flags.meter);
      const report = flags.checkpoint ? await evalCheckpoint(flags) : await evalFile(flags);
      if (flags.json) printJson(report);
      else printReport(report, flags);
    });
}

function number(text: string, flag: string, integer = false): number {
  const v = Number(text);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new UsageError(`${flag}: expected ${integer ? 'an integer' : 'a number'}, but got ${JSON.stringify(text)}`);
  }
  return v;
}

/** `--tunes f.abc` or `--split part` against `--corpus`. */
async function evalFile(flags: EvalFlags): Promise<EvalReport> {
  if (!flags.corpus) throw new UsageError('eval: give --checkpoint <dir>, or --corpus with --tunes <file> or --split <part>');
  if (!flags.tunes && !flags.split) throw new UsageError('eval: give --tunes <file> or --split train|val|test with --corpus');
  if (flags.tunes && flags.split) throw new UsageError('eval: give either --tunes or --split, not both');
  if (flags.split && !['train', 'val', 'test'].includes(flags.split)) {
    throw new UsageError(`--split: expected train, val or test, but got ${JSON.stringify(flags.split)}`);
  }
  const which = flags.reference ?? (flags.split ? 'train' : 'all');
  if (which !== 'all' && which !== 'train') throw new UsageError(`--reference: expected all or train, but got ${JSON.stringify(which)}`);
  const data: DataConfig = {
    corpus: flags.corpus,
    files: flags.files ? flags.files.split(',').map((f) => f.trim()).filter(Boolean) : [],
    preprocessing: 'raw',
    vocabulary: 'char',
    split: { val: number(flags.val, '--val'), test: number(flags.test, '--test'), seed: number(flags.splitSeed, '--split-seed', true) },
  };
  // The tunes file first: a typo there should not cost a corpus load.
  const given = flags.tunes ? await readTunes(flags.tunes) : null;
  const [{ loadCorpus, splitCorpus }, { buildReference, evaluateTunes }] = await Promise.all([lazy.dataset(), lazy.evaluation()]);
  const corpus = await loadCorpus(data, { onProgress: log });
  const needSplit = which === 'train' || flags.split !== undefined;
  const split = needSplit ? splitCorpus(corpus, data.split) : null;
  const reference = buildReference(which === 'train' ? split!.train : corpus.tunes);
  const tunes = given ?? split![flags.split as 'train' | 'val' | 'test'].map((t) => t.text);
  if (tunes.length === 0) throw new UsageError(`--split ${flags.split}: that part is empty (set --${flags.split} above 0)`);
  log(`eval: ${tunes.length} tunes against ${reference.tunes.length} reference tunes of ${corpus.name}${which === 'train' ? ' (training split)' : ''}`);
  const distributionReference = flags.meter !== undefined ? await meterReference(reference, flags.meter) : undefined;
  return evaluateTunes(tunes, reference, { abc2midi: flags.abc2midi, perTune: flags.perTune === true || !flags.json, ...(distributionReference ? { distributionReference } : {}) });
}

/** `--meter` without --checkpoint: the reference tunes of that meter, for the distributions (undefined, logged, when there are none). */
async function meterReference(reference: ReferenceCorpus, meter: string): Promise<ReferenceCorpus | undefined> {
  const { referenceOfMeter } = await lazy.evaluation();
  const byMeter = referenceOfMeter(reference, meter);
  log(
    byMeter.tunes.length > 0
      ? `eval: distributions compared with the ${byMeter.tunes.length} reference tunes in ${meter} (novelty with all ${reference.tunes.length})`
      : `eval: no reference tune is in ${meter}: distributions compared with all ${reference.tunes.length}`,
  );
  return byMeter.tunes.length > 0 ? byMeter : undefined;
}

async function readTunes(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--tunes: cannot read ${file}: ${(err as Error).message}`);
  }
  const { splitTunes } = await lazy.abc();
  const tunes = splitTunes(text, file).map((t) => t.text);
  if (tunes.length === 0) throw new UsageError(`--tunes: ${file} holds no tune (expected tunes that start with an X: line)`);
  return tunes;
}

/**
 * `--checkpoint dir`: samples from the model, as `generate` hands them out (`--constrain`, copies drawn again
 * unless `--allow-copies`), against its training split (rebuilt from the checkpoint's config).
 */
async function evalCheckpoint(flags: EvalFlags): Promise<Omit<CheckpointEvalReport, 'texts'> & { texts?: string[]; yardstick: YardstickScores }> {
  const samples = number(flags.n, '-n', true);
  const temperature = number(flags.temperature, '--temperature');
  const seed = number(flags.seed, '--seed', true);
  const constrain = flags.constrain ?? 'meter';
  if (samples < 1) throw new UsageError(`-n: expected a positive integer, but got ${samples}`);
  if (!(temperature > 0)) throw new UsageError(`--temperature: expected a number > 0, but got ${temperature}`);
  const [{ evaluateYardstick, loadCheckpoint, selectEngine }, { checkpointReference, evaluateCheckpoint }] = await Promise.all([lazy.model(), lazy.evaluation()]);
  // Batch-1 sampling is latency-bound: the cpu backend (with the native fused LSTM when built), as generate uses.
  await selectEngine('cpu');
  const ckpt = await loadCheckpoint(flags.checkpoint!);
  const reference = await checkpointReference(ckpt, { onProgress: log });
  log(
    `checkpoint ${ckpt.meta.runId} epoch ${ckpt.meta.epoch}: ${samples} samples at temperature ${temperature}, seed ${seed}, constrain ${constrain}` +
      `${flags.allowCopies ? ', copies allowed' : ''}, against ${reference.tunes.length} training tunes`,
  );
  const perTune = flags.perTune === true || !flags.json;
  const prime = primeFlag(flags.prime);
  const opts = {
    samples,
    temperature,
    seed,
    reference,
    constrain,
    allowCopies: flags.allowCopies === true,
    abc2midi: flags.abc2midi,
    perTune,
    ...(flags.meter !== undefined ? { meter: flags.meter } : {}),
    ...(prime !== undefined ? { prime } : {}),
  };
  const { texts, ...report } = await evaluateCheckpoint(ckpt, opts).catch(async (err: unknown) => {
    throw asFlagUsageError(await asCopiesUsageError(err));
  });
  if (report.meterReference) {
    const { meter, tunes } = report.meterReference;
    log(tunes > 0 ? `eval: distributions compared with the ${tunes} training tunes in ${meter}` : `eval: no training tune is in ${meter}: distributions compared with all of them`);
  }
  // The one yardstick (val_bpc_jigs / test_bpc_jigs): the run's held-out jigs, bits per body character, comparable across runs.
  const yardstick = await evaluateYardstick(flags.checkpoint!, { dataOptions: { onProgress: log } });
  return perTune ? { ...report, yardstick, texts } : { ...report, yardstick };
}

const round1 = (v: number) => String(Math.round(v * 10) / 10);
const pct = (v: number | null) => (v === null ? 'n/a (abc2midi not installed)' : `${(100 * v).toFixed(1)}%`);

/** The rows only a checkpoint's samples have: how they were drawn. */
function samplingRows(report: EvalReport | Partial<CheckpointEvalReport>): (string | number)[][] {
  if (!('constrain' in report) || report.constrain === undefined) return [];
  return [
    ['constrain', report.constrain],
    ...(report.meter ? [['meter', report.meter], ['reference tunes in that meter (distributions)', report.meterReference?.tunes ?? 0]] : []),
    ['probability mass masked per symbol: mean / max', `${pct(report.maskedMassMean ?? 0)} / ${pct(report.maskedMassMax ?? 0)}`],
    ['copies drawn again', report.copiesRedrawn ?? 0],
  ];
}

/**
 * What each total-variation distance compares. Keys are also compared folded to their tonic's mode, because a
 * model trained on transposed tunes may write a jig in E♭ that is as good as one in G.
 */
const DISTANCE_LABELS: Record<string, string> = {
  pitch: 'pitch',
  noteLength: 'note length',
  key: 'key (K: as written)',
  keyFoldedToMode: 'key folded to its mode (K:G, K:D → major; K:Em → minor; K:Ador → dorian)',
  meter: 'meter',
};

/** val_bpc_jigs / test_bpc_jigs of a checkpoint (the held-out jigs, bits per body character). */
function yardstickRows(report: EvalReport | { yardstick?: YardstickScores }): (string | number)[][] {
  const y = 'yardstick' in report ? report.yardstick : undefined;
  if (!y) return [];
  const bits = (v: number | null, n: number) => (v === null ? 'n/a (no held-out jigs)' : `${v.toFixed(4)} (${n} jigs)`);
  return [
    ['val_bpc_jigs (bits per body character)', bits(y.val_bpc_jigs, y.tunes.val)],
    ['test_bpc_jigs', bits(y.test_bpc_jigs, y.tunes.test)],
  ];
}

/** abc2midi's reasons for the unclean tunes, most tunes first: the first five, the rest counted. */
function refusalRows(report: EvalReport): (string | number)[][] {
  const refusals = report.abc2midiRefusals ?? [];
  const tunes = (n: number) => `${n} tune${n === 1 ? '' : 's'}`;
  const rows: (string | number)[][] = refusals.slice(0, 5).map((r) => [`  refused: ${r.reason}`, tunes(r.tunes)]);
  if (refusals.length > 5) rows.push([`  refused for ${refusals.length - 5} other reasons`, tunes(refusals.slice(5).reduce((a, r) => a + r.tunes, 0))]);
  return rows;
}

function printReport(report: EvalReport, flags: EvalFlags): void {
  const json = flags.json;
  say(
    json,
    table(
      ['measure', 'value'],
      [
        ...yardstickRows(report),
        ['tunes', report.tunes],
        ...samplingRows(report),
        ['reference tunes', report.referenceTunes],
        ['valid (tunelab)', pct(report.validRate)],
        ['bars ok', pct(report.barOkRate)],
        ['header ok', pct(report.headerOkRate)],
        ['abc2midi clean', pct(report.abc2midiCleanRate)],
        ...refusalRows(report),
        ['longest shared span: median / p95', `${round1(report.noveltyLcsMedian)} / ${round1(report.noveltyLcsP95)}`],
        ['  as share of body: median', pct(report.noveltyLcsShareMedian)],
        ['bars found in reference', pct(report.barsInReferenceRate)],
        ['copied tunes (≥80% of body in one span)', report.copiedTunes],
        ['duplicate tunes', report.duplicateTunes],
        ...Object.entries(report.distinctNgrams).map(([n, v]) => [`distinct ${n}-grams`, pct(v)]),
        ...Object.entries(report.distributions.distance).map(([k, v]) => [`distance to reference: ${DISTANCE_LABELS[k] ?? k}`, v.toFixed(3)]),
      ],
    ),
  );
  const copies = (report.perTune ?? []).filter((t) => t.novelty.copy);
  if (copies.length > 0 && copies.length <= 20) {
    say(json, `\ncopies:\n${copies.map((t) => `  #${t.index} ${t.title ?? ''} ← ${t.novelty.nearest} (${t.novelty.lcs}/${t.novelty.bodyLength})`).join('\n')}`);
  }
}
