import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { CheckpointRow, Store, SweepRow, TrialRow } from '@tunelab/store';
import { bestTrial, isFinalSweep, trialCheckpoint, TRIAL_STATUSES } from '@tunelab/sweep';
import { ErrorBody, IdParams, SweepEvent, type Point, type TrialProgress } from '../../api/schemas';
import { notFound } from '../errors';
import type { DashboardContext } from '../context';
import { finiteOrNull, seriesView, trialView } from '../views';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

export interface EventRouteOptions {
  /** How often each open stream reads the store (default 1000 ms). */
  intervalMs?: number;
  /** A comment line this often keeps proxies and browsers from closing a quiet stream (default 15 s). */
  keepAliveMs?: number;
}

/** One Server-Sent Event: `event:` and a one-line JSON `data:` (JSON.stringify never writes a newline). */
const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

interface Seen {
  /** What the client was last told about the trial; a change of any part sends a `trial` event. */
  signature: string;
  status: TrialRow['status'];
  progress: TrialProgress | null;
  /** The last step sent per metric name. */
  sent: Map<string, number>;
  /** Steps up to here existed when the stream began: the page fetched them itself. */
  baseline: number;
}

const epochsOf = (t: TrialRow): number | null => {
  const e = (t.config as { train?: { epochs?: unknown } } | undefined)?.train?.epochs;
  return typeof e === 'number' && Number.isInteger(e) && e >= 0 ? e : null;
};

/**
 * Follows one sweep for one connection: each tick reads the sweep and its trials (two indexed reads) and
 * the new metric points of the trials that run (one range read each), and writes only what changed. The
 * store has no change feed that works across processes and machines (the sweeper may run elsewhere against
 * PostgreSQL), so the server reads on the client's behalf; the browser no longer polls four routes.
 */
class SweepFollower {
  private readonly seen = new Map<string, Seen>();
  private sweepSignature = '';
  private timer: NodeJS.Timeout | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly sweep: SweepRow,
    private readonly out: PassThrough,
    private readonly opts: Required<EventRouteOptions>,
  ) {}

  /** The first frame: what runs now and how far it is; later ticks send only changes from here. */
  async start(): Promise<void> {
    const [sweep, trials] = await Promise.all([this.store.getSweep(this.sweep.id), this.store.listTrials(this.sweep.id)]);
    const progress: Record<string, TrialProgress> = {};
    await Promise.all(
      trials.map(async (t) => {
        const last = t.status === 'running' ? await this.store.lastStep(t.id) : null;
        const p = t.status === 'running' ? { epoch: last, epochs: epochsOf(t) } : null;
        if (p) progress[t.id] = p;
        this.seen.set(t.id, { signature: this.signatureOf(t, p), status: t.status, progress: p, sent: new Map(), baseline: last ?? -1 });
      }),
    );
    const s = sweep ?? this.sweep;
    this.sweepSignature = this.sweepSignatureOf(s, trials);
    // The browser's EventSource reconnects after this long when the connection drops.
    this.out.write('retry: 2000\n\n');
    this.write('hello', { sweepId: s.id, status: s.status, counts: countsOf(trials), progress });
    this.keepAlive = setInterval(() => this.out.write(': keep-alive\n\n'), this.opts.keepAliveMs);
    this.schedule();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.out.end();
  }

  private write(event: string, data: unknown): void {
    if (!this.closed) this.out.write(frame(event, data));
  }

  /** One tick at a time: the next is set only when this one has finished, so slow reads never pile up. */
  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.tick().then(
        (final) => (final ? this.close() : this.schedule()),
        () => this.schedule(), // a busy or briefly unreachable store: try again next tick
      );
    }, this.opts.intervalMs);
  }

  /** Reads the store once and writes what changed; true when the sweep is final and the stream should end. */
  private async tick(): Promise<boolean> {
    const [sweep, trials] = await Promise.all([this.store.getSweep(this.sweep.id), this.store.listTrials(this.sweep.id)]);
    if (this.closed) return true;
    if (!sweep) {
      this.write('end', { status: null });
      return true;
    }
    for (const t of trials) await this.followTrial(sweep, t);
    const signature = this.sweepSignatureOf(sweep, trials);
    if (signature !== this.sweepSignature) {
      this.sweepSignature = signature;
      this.write('sweep', { status: sweep.status, counts: countsOf(trials), best: bestOf(sweep, trials) });
    }
    if (isFinalSweep(sweep.status) && !trials.some((t) => t.status === 'running')) {
      this.write('end', { status: sweep.status });
      return true;
    }
    return false;
  }

  private async followTrial(sweep: SweepRow, t: TrialRow): Promise<void> {
    const known = this.seen.get(t.id);
    const state: Seen = known ?? { signature: '', status: t.status, progress: null, sent: new Map(), baseline: -1 };
    if (!known) this.seen.set(t.id, state);
    const wasRunning = known?.status === 'running';
    let progress: TrialProgress | null = null;
    // A trial's points are read while it runs and once more after it stops (its last epoch may land then).
    if (t.status === 'running' || wasRunning) {
      const last = await this.sendMetrics(t.id, state);
      progress = { epoch: last ?? state.progress?.epoch ?? null, epochs: epochsOf(t) };
    }
    // The epoch is part of what changed only while the trial runs; once stopped, it is told once, with the stop.
    const signature = this.signatureOf(t, t.status === 'running' ? progress : null);
    state.status = t.status;
    state.progress = t.status === 'running' ? progress : null;
    if (known && signature === known.signature) return;
    state.signature = signature;
    const best = t.bestCheckpointId ? await this.bestCheckpoint(sweep, t) : null;
    // The event that says a trial stopped still carries its last epoch, so the page can show where it ended.
    this.write('trial', { trial: trialView(t, best), progress });
  }

  /** Sends the trial's points newer than what was sent (per name); returns the highest step it has sent. */
  private async sendMetrics(trialId: string, state: Seen): Promise<number | null> {
    const sentSteps = [...state.sent.values()];
    const after = sentSteps.length ? Math.min(state.baseline, ...sentSteps) : state.baseline;
    const raw = await this.store.getMetrics(trialId, { after });
    const fresh: Record<string, Point[]> = {};
    for (const [name, points] of Object.entries(seriesView(raw))) {
      const from = state.sent.get(name) ?? state.baseline;
      const newer = points.filter(([step]) => step > from);
      if (newer.length === 0) continue;
      fresh[name] = newer;
      state.sent.set(name, newer[newer.length - 1][0]);
    }
    if (Object.keys(fresh).length > 0) this.write('metrics', { trialId, series: fresh });
    const steps = [...state.sent.values()];
    return steps.length ? Math.max(...steps) : state.baseline >= 0 ? state.baseline : null;
  }

  private async bestCheckpoint(sweep: SweepRow, t: TrialRow): Promise<CheckpointRow | null> {
    const bests = await this.store.listCheckpoints({ trialId: t.id, kind: 'best', includeDeleted: true });
    return trialCheckpoint(bests, sweep.config.metric, t.bestCheckpointId) ?? null;
  }

  private signatureOf(t: TrialRow, p: TrialProgress | null): string {
    return JSON.stringify([t.status, t.attempt, finiteOrNull(t.bestValue), t.bestStep, t.bestCheckpointId, t.failureReason, t.pruneReason, p?.epoch ?? null]);
  }

  private sweepSignatureOf(s: SweepRow, trials: readonly TrialRow[]): string {
    return JSON.stringify([s.status, countsOf(trials), bestOf(s, trials)]);
  }
}

/** Trials per status, every status present (as the store's countTrials gives them), from rows already read. */
function countsOf(trials: readonly TrialRow[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0]));
  for (const t of trials) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return counts;
}

/** The best trial as the sweep routes pick it (@tunelab/sweep's bestTrial). */
function bestOf(s: SweepRow, trials: readonly TrialRow[]): { trialId: string; value: number } | null {
  const best = bestTrial(
    trials.map((t) => ({ id: t.id, status: t.status, value: finiteOrNull(t.bestValue) ?? undefined })),
    s.config.metric,
  );
  return best ? { trialId: String(best.trialId), value: best.value } : null;
}

/**
 * `GET /api/sweeps/:id/events`: the sweep page's live feed as Server-Sent Events. The answer goes through
 * fastify's reply (a stream payload), so the Host check and the framing headers apply as to every route.
 */
export async function eventRoutes(app: FastifyInstance, ctx: DashboardContext, opts: EventRouteOptions = {}): Promise<void> {
  const store = ctx.reader;
  const settings = { intervalMs: opts.intervalMs ?? 1000, keepAliveMs: opts.keepAliveMs ?? 15_000 };
  const open = new Set<SweepFollower>();
  // Open streams never end by themselves while a sweep runs: end them so the server can close.
  app.addHook('preClose', async () => {
    for (const f of open) f.close();
  });

  app.get<{ Params: IdParams }>(
    '/api/sweeps/:id/events',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Follow a sweep live (Server-Sent Events): hello, then trial, metrics and sweep events as the store changes, end when the sweep is final',
        description:
          'text/event-stream. `hello` (SweepHelloEvent) first on every connection; then `trial` (TrialChangeEvent: a trial changed status, best value or epoch), ' +
          '`metrics` (MetricsEvent: new points of a running trial, every metric name), `sweep` (SweepChangeEvent: status, counts, best) and finally ' +
          '`end` (EndEvent) when the sweep is final and no trial runs. Each `data:` line is one JSON object.',
        params: IdParams,
        produces: ['text/event-stream'],
        response: {
          200: { description: 'a stream of events, each one `event: <name>` and one `data: <json>` line', content: { 'text/event-stream': { schema: SweepEvent } } },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const sweep = await store.getSweep(req.params.id);
      if (!sweep) throw notFound('sweep', req.params.id);
      const out = new PassThrough();
      const follower = new SweepFollower(store, sweep, out, settings);
      open.add(follower);
      const stop = () => {
        open.delete(follower);
        follower.close();
      };
      req.raw.on('close', stop);
      out.on('close', () => open.delete(follower));
      await follower.start();
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        // nginx and similar proxies buffer responses unless told not to.
        .header('x-accel-buffering', 'no')
        .send(out);
    },
  );
}
