import { createSampleEvaluator } from '@tunelab/eval';
import { train } from '@tunelab/model';
import { throttleBatchEvents } from './batch-throttle';
import { PreparedDataCache } from './data-cache';
import { sourceMappedStack } from './stack-map';
import type { AbortMessage, TrialOutcome, TrialTask } from './task';

// A worker thread runs trial after trial of a sweep: they share one prepared corpus and one sample evaluator
// (whose reference corpus is built once per prepared corpus).
const dataCache = new PreparedDataCache();
let sampleEvaluator: ReturnType<typeof createSampleEvaluator> | undefined;

/**
 * A piscina worker: trains one trial and streams the trainer's events back over the task's port.
 * Pruning, `sweep cancel` and Ctrl-C arrive as an `abort` message and become an AbortSignal, which the
 * training loop checks between batches, so a pruned trial stops within one batch and saves nothing partial.
 * The last message is always a TrialOutcome; errors are reported, not thrown, so the main thread sees the
 * log tail and the reason in one place.
 */
export default async function runTrial(task: TrialTask): Promise<TrialOutcome['outcome']> {
  const { port } = task;
  const controller = new AbortController();
  port.on('message', (message: AbortMessage) => {
    if (message?.type === 'abort' && !controller.signal.aborted) controller.abort(new Error(message.reason));
  });
  let outcome: TrialOutcome;
  try {
    // With an `eval` block, tunes sampled every `eval.every` epochs are scored into that epoch's metrics
    // (valid_rate, bar_ok_rate, novelty_lcs_p95, …), so a sweep can optimise or prune on them.
    const evaluateSamples = task.config.eval ? (sampleEvaluator ??= createSampleEvaluator()) : undefined;
    const prepared = await dataCache.get(task.config.data);
    const result = await train({
      config: task.config,
      runId: task.runId,
      home: task.home,
      signal: controller.signal,
      resumeFrom: task.resumeFrom ?? undefined,
      objective: task.objective,
      prepared,
      onEvent: throttleBatchEvents((event) => port.postMessage(event)),
      evaluateSamples,
    });
    outcome = { type: 'end', outcome: 'completed', epochs: result.epochs };
  } catch (err) {
    if (controller.signal.aborted) {
      outcome = { type: 'end', outcome: 'aborted', reason: String((controller.signal.reason as Error)?.message ?? 'aborted') };
    } else {
      const e = err as Error;
      outcome = { type: 'end', outcome: 'failed', error: e?.message ?? String(err), stack: e?.stack === undefined ? undefined : sourceMappedStack(e.stack) };
    }
  }
  port.postMessage(outcome);
  port.close();
  return outcome.outcome;
}
