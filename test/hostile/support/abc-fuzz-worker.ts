import { parentPort, workerData } from 'node:worker_threads';
import { checkText, parseTune, TuneChecker } from '@tunelab/abc';

/**
 * Runs every parser entry point on one adversarial text and reports each one's time as it finishes (the
 * test terminates this worker when one runs past its bound, so a hang is reported, not waited out).
 * Entry points: parseTune, checkText (what `tunelab abc check` runs), and the incremental TuneChecker fed
 * the text symbol by symbol (one character at a time, as the structured sampler's character models do).
 */
const { text } = workerData as { text: string };
const timed = (entry: string, run: () => unknown) => {
  parentPort!.postMessage({ entry, started: true });
  const t = performance.now();
  run();
  parentPort!.postMessage({ entry, ms: performance.now() - t });
};
timed('parseTune', () => parseTune(text));
timed('checkText', () => checkText(text, 'fuzz.abc'));
timed('TuneChecker', () => {
  const checker = new TuneChecker();
  for (const c of text) checker.push(c);
  return checker.viable;
});
parentPort!.postMessage({ done: true });
