/**
 * Structured sampling, measured: tunes sampled from one checkpoint with each `--constrain` mode, scored by
 * tunelab's eval (validity, bars, abc2midi, novelty, masked mass) and by the total-variation distance of their
 * pitch, note-length, key and meter distributions to the checkpoint's training tunes, with 95% bootstrap
 * intervals. The table in docs/results.md comes from here:
 *
 *   TUNELAB_DATA_DIR=<folder of the Nottingham .abc files> npx tsx experiments/compare-sampling.ts <checkpoint-dir> [n] [modes: off,syntax,meter,meter-once]
 */
import { parseTune } from '@tunelab/abc';
import { checkpointReference, distanceIntervals, evaluateTunes, musicProfile } from '@tunelab/eval';
import { loadCheckpoint, Sampler, selectEngine, type SampledTune } from '@tunelab/model';

const [dir, nText = '200', modesText = 'off,meter'] = process.argv.slice(2);
if (!dir) throw new Error('usage: compare-sampling.ts <checkpoint-dir> [n] [modes]');
const n = Number(nText);
await selectEngine('cpu');
const ckpt = await loadCheckpoint(dir);
const reference = await checkpointReference(ckpt);
const referenceProfile = musicProfile(reference.texts.map((text, index) => parseTune({ file: '<reference>', line: 1, index, text })));
const sampler = Sampler.fromCheckpoint(ckpt);
const fmt = (x: number | null) => (x === null ? '–' : x.toFixed(2));
const rows: string[] = [];
// `meter-once`: the meter mode without drawing bars again (SampleOptions.redrawBars: false).
for (const mode of modesText.split(',') as ('off' | 'syntax' | 'meter' | 'meter-once')[]) {
  const started = Date.now();
  const constrain = mode === 'meter-once' ? 'meter' : mode;
  const tunes: SampledTune[] = await sampler.generate({ n, temperature: 1, seed: 1, constrain, redrawBars: mode !== 'meter-once' });
  const seconds = (Date.now() - started) / 1000;
  const texts = tunes.map((t) => t.text);
  const report = await evaluateTunes(texts, reference, { perTune: false });
  const d = distanceIntervals(
    texts.map((text, index) => parseTune({ file: '<sample>', line: 1, index, text })),
    referenceProfile,
    { resamples: 200, seed: 1 },
  );
  const iv = (k: keyof typeof d) => `${d[k].value.toFixed(3)} [${d[k].low.toFixed(3)}, ${d[k].high.toFixed(3)}]`;
  const masked = tunes.reduce((a, t) => a + t.maskedMassMean, 0) / n;
  const complete = tunes.filter((t) => t.complete).length / n;
  rows.push(
    `| ${mode} | ${fmt(report.validRate)} | ${fmt(report.barOkRate)} | ${fmt(report.abc2midiCleanRate)} | ${fmt(complete)} | ${masked.toFixed(3)} | ${report.copiedTunes} | ${report.noveltyLcsMedian.toFixed(0)} / ${report.noveltyLcsP95.toFixed(0)} | ${iv('pitch')} | ${iv('noteLength')} | ${iv('key')} | ${iv('meter')} | ${((seconds * 1000) / n).toFixed(0)} |`,
  );
  console.error(`${mode}: ${n} tunes in ${seconds.toFixed(1)} s`);
}
sampler.dispose();
console.log(`checkpoint ${ckpt.meta.runId} epoch ${ckpt.meta.epoch}, ${n} tunes per mode, T = 1, seed 1, prime X:`);
console.log('| constrain | valid | bars ok | abc2midi clean | complete | masked mass | copies | longest shared span median / p95 | TV pitch [95% CI] | TV note length | TV key | TV meter | ms / tune |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
