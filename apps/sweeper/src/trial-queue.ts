import PgBoss from 'pg-boss';
import { InputError } from '@tunelab/config';
import { parseStoreUrl } from '@tunelab/store';

/** The pg-boss queue every distributed sweep's trials go through. */
export const TRIAL_QUEUE = 'tunelab-trials';

/** A job: "run this trial". The trial row is the truth; the job only says where to look. */
export interface TrialJob {
  sweepId: string;
  trialId: string;
}

/**
 * The trial queue on pg-boss, in its own schema beside the store's (`<schema>_boss`). The queue's `short`
 * policy keeps at most one waiting job per trial (singletonKey = trial id), so enqueueing is idempotent:
 * whoever coordinates may enqueue every queued trial again and nothing is doubled. A job only points at a
 * trial; an agent runs it only after leasing the trial row (compare-and-set on its status), so a job that
 * comes twice never runs a trial twice. Jobs are completed once the lease is decided; liveness after that
 * is the trial's heartbeat in the store (pg-boss 10 has no job heartbeat).
 */
export class TrialQueue {
  private constructor(private readonly boss: PgBoss) {}

  static async open(storeUrl: string, onError: (err: Error) => void = () => {}): Promise<TrialQueue> {
    const loc = parseStoreUrl(storeUrl);
    if (loc.kind !== 'postgres') throw new InputError('--distributed and `sweep agent` need a PostgreSQL store (--store postgres://…)', '--store');
    const schema = bossSchema(loc.schema);
    const boss = new PgBoss({ connectionString: loc.connectionString, schema, max: 3, schedule: false, supervise: true });
    boss.on('error', onError);
    await boss.start();
    try {
      await createQueueOnce(boss);
    } catch (err) {
      await boss.stop({ graceful: false, wait: true }).catch(() => {});
      throw err;
    }
    return new TrialQueue(boss);
  }

  /** Sends a job per trial unless one is already waiting for it; returns how many were sent. */
  async enqueue(jobs: readonly TrialJob[]): Promise<number> {
    let sent = 0;
    for (const job of jobs) {
      const id = await this.boss.send(TRIAL_QUEUE, { sweepId: job.sweepId, trialId: job.trialId }, { singletonKey: job.trialId });
      if (id) sent++;
    }
    return sent;
  }

  /** Up to `n` jobs, now active for this caller. */
  async fetch(n: number): Promise<{ id: string; data: TrialJob }[]> {
    if (n <= 0) return [];
    const jobs = await this.boss.fetch<TrialJob>(TRIAL_QUEUE, { batchSize: n });
    return jobs.map((j) => ({ id: j.id, data: j.data }));
  }

  async done(jobId: string): Promise<void> {
    await this.boss.complete(TRIAL_QUEUE, jobId);
  }

  /** Hands a job this agent does not serve (another sweep) back to the queue. */
  async putBack(job: { id: string; data: TrialJob }): Promise<void> {
    await this.boss.send(TRIAL_QUEUE, job.data, { singletonKey: job.data.trialId });
    await this.boss.complete(TRIAL_QUEUE, job.id);
  }

  /** Jobs waiting (not yet fetched). */
  async waiting(): Promise<number> {
    return this.boss.getQueueSize(TRIAL_QUEUE);
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true });
  }
}

/**
 * Creates the queue unless it exists. pg-boss's create_queue adds a partition table, and two machines doing
 * that at the same moment can deadlock in PostgreSQL; the loser waits a little and finds the queue made.
 */
async function createQueueOnce(boss: PgBoss): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (await boss.getQueue(TRIAL_QUEUE)) return;
    try {
      await boss.createQueue(TRIAL_QUEUE, { name: TRIAL_QUEUE, policy: 'short', retryLimit: 0, expireInSeconds: 15 * 60 });
      return;
    } catch (err) {
      // deadlock_detected, unique_violation, duplicate_table: another process is creating it right now.
      const code = (err as { code?: string }).code;
      if (attempt >= 8 || !['40P01', '23505', '42P07'].includes(code ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
    }
  }
}

/** pg-boss's schema for a store schema: `<schema>_boss`, or `tunelab_boss` beside the public schema. */
export function bossSchema(storeSchema: string | null): string {
  return !storeSchema || storeSchema === 'public' ? 'tunelab_boss' : `${storeSchema}_boss`;
}
