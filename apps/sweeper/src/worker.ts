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
 * TEST ONLY (test/hostile/trial-retries.test.ts): with `TUNELAB_TEST_TRIAL_FAULT` set to `hang` or `crash` in
 * the sweeper's environment, every trial's worker, at its first epoch of each run, hangs for good (the thread
 * blocks: no more events, no answer to an abort; only terminating the thread ends it) or dies (the thread
 * exits with code 70). Unset, as in production, it does nothing. Nothing else reads it.
 */
const TEST_TRIAL_FAULT_ENV = 'TUNELAB_TEST_TRIAL_FAULT';

function injectTestFault(kind: string | undefined): void {
  if (kind === 'hang') {
    // Blocks this thread; the short waits let a terminate() from the main thread get through.
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(cell, 0, 0, 50);
  }
  if (kind === 'crash') {
    // In a worker thread this ends the thread at once (piscina: "worker exited with code: 70"), not the process.
    process.exit(70);
  }
}

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
    const fault = process.env[TEST_TRIAL_FAULT_ENV];
    let post = (event: Parameters<typeof port.postMessage>[0]) => port.postMessage(event);
    if (fault) {
      const plain = post;
      post = (event) => {
        if ((event as { type?: string })?.type === 'epoch') injectTestFault(fault);
        plain(event);
      };
    }
    const result = await train({
      config: task.config,
      runId: task.runId,
      home: task.home,
      signal: controller.signal,
      resumeFrom: task.resumeFrom ?? undefined,
      threads: task.threads,
      objective: task.objective,
      prepared,
      onEvent: throttleBatchEvents((event) => post(event)),
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
