import type { MessagePort } from 'node:worker_threads';
import type { MetricGoal, RunConfig } from '@tunelab/config';

/**
 * What the main thread hands a worker: plain, cloneable data plus the port its events come back on.
 * The worker owns nothing durable: the main thread is the only store writer.
 */
export interface TrialTask {
  trialId: string;
  /** Checkpoints go to `<home>/checkpoints/<runId>/epoch-<n>/`; the run id is the trial id. */
  runId: string;
  config: RunConfig;
  /** The sweep's metric and goal: the trainer keeps its `best` checkpoint by it. */
  objective: MetricGoal;
  home: string;
  /** A checkpoint directory to continue from (a resumed or stale trial), or null for a fresh start. */
  resumeFrom: string | null;
  /**
   * Threads for the trial's native kernels: its share of the cores, decided by the sweeper (threads.ts).
   * Absent: the config's `train.threads`.
   */
  threads?: number;
  /** Events flow worker → main; `abort` messages flow main → worker. */
  port: MessagePort;
}

/** Main → worker. Pruning, cancellation and Ctrl-C all arrive as one of these. */
export interface AbortMessage {
  type: 'abort';
  reason: string;
}

/** Worker → main, after the trainer's own events: the trial's outcome, always the last message. */
export type TrialOutcome =
  | { type: 'end'; outcome: 'completed'; epochs: number }
  | { type: 'end'; outcome: 'aborted'; reason: string }
  | { type: 'end'; outcome: 'failed'; error: string; stack?: string };
