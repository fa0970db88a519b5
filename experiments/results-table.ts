/**
 * Formats `tunelab eval --json` reports as the champion table of docs/results.md, one row per report:
 *
 *   npx tsx experiments/results-table.ts "seed replica, best epoch=/tmp/seed-best.json" "human jigs=/tmp/human.json" …
 *
 * Each argument is `<row label>=<path of an eval --json report>`. Columns: the yardstick (val/test bits per
 * body character of the held-out jigs), validity, abc2midi, masked mass, novelty, copies (and redraws), and the
 * total-variation distances to the reference's distributions (keys folded to their mode).
 */
import { readFileSync } from 'node:fs';

interface Report {
  validRate: number;
  barOkRate: number;
  abc2midiCleanRate: number | null;
  noveltyLcsMedian: number;
  noveltyLcsP95: number;
  copiedTunes: number;
  copiesRedrawn?: number;
  maskedMassMean?: number;
  constrain?: string;
  yardstick?: { val_bpc_jigs: number | null; test_bpc_jigs: number | null };
  distributions: { distance: Record<string, number> };
}

const f = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '–' : v.toFixed(digits));
const rows = process.argv.slice(2).map((arg) => {
  const at = arg.lastIndexOf('=');
  if (at < 1) throw new Error(`expected <label>=<report.json>, but got ${JSON.stringify(arg)}`);
  const r = JSON.parse(readFileSync(arg.slice(at + 1), 'utf8')) as Report;
  const d = r.distributions.distance;
  return [
    arg.slice(0, at),
    r.constrain ?? '–',
    f(r.yardstick?.val_bpc_jigs, 3),
    f(r.yardstick?.test_bpc_jigs, 3),
    f(r.validRate),
    f(r.barOkRate),
    f(r.abc2midiCleanRate),
    r.constrain ? f(r.maskedMassMean, 3) : '–',
    `${f(r.noveltyLcsMedian, 0)} / ${f(r.noveltyLcsP95, 0)}`,
    r.constrain ? `${r.copiedTunes} (${r.copiesRedrawn ?? 0})` : String(r.copiedTunes),
    f(d.pitch, 3),
    f(d.noteLength, 3),
    f(d.keyFoldedToMode, 3),
    f(d.meter, 3),
  ];
});
const head = ['', 'constrain', 'val_bpc_jigs', 'test_bpc_jigs', 'valid', 'bars ok', 'abc2midi clean', 'masked mass', 'longest shared span median / p95', 'copies (redrawn)', 'TV pitch', 'TV note length', 'TV mode', 'TV meter'];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
