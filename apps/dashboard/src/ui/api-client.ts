import type {
  AliasList,
  CheckpointList,
  EndEvent,
  ErrorBody,
  GenerateRequest,
  GenerateResponse,
  ImportanceQuery,
  ImportanceResponse,
  MeterList,
  MetricsEvent,
  MetricsQuery,
  MetricsResponse,
  PromoteRequest,
  PromoteResponse,
  SampleList,
  SeriesQuery,
  SeriesResponse,
  SweepChangeEvent,
  SweepDetail,
  SweepHelloEvent,
  SweepList,
  TrialChangeEvent,
  TrialDetail,
  TrialPage,
  TrialsQuery,
} from '../api/schemas';
import type { ListenPair, RatingsResponse, VoteRequest, VoteResponse } from './listen-types';

/** What the live sweep feed (`GET /api/sweeps/:id/events`) tells the page, event by event. */
export interface SweepFeedHandlers {
  /** First on every (re)connection: the page catches up on what it may have missed before it. */
  hello(e: SweepHelloEvent): void;
  trial(e: TrialChangeEvent): void;
  metrics(e: MetricsEvent): void;
  sweep(e: SweepChangeEvent): void;
  /** The sweep is final; the feed has closed. */
  end(e: EndEvent): void;
}

/** The one interface the UI talks to: a fetch implementation in the page, a fake in component tests. */
export interface DashboardApi {
  listSweeps(): Promise<SweepList>;
  getSweep(id: string): Promise<SweepDetail>;
  listTrials(sweepId: string, query?: TrialsQuery): Promise<TrialPage>;
  getSeries(sweepId: string, query: SeriesQuery): Promise<SeriesResponse>;
  /** Each parameter's importance for a metric over the sweep's completed trials (PED-ANOVA). */
  getImportance(sweepId: string, query?: ImportanceQuery): Promise<ImportanceResponse>;
  getTrial(id: string): Promise<TrialDetail>;
  getMetrics(trialId: string, query?: MetricsQuery): Promise<MetricsResponse>;
  listCheckpoints(trialId: string): Promise<CheckpointList>;
  generate(request: GenerateRequest): Promise<GenerateResponse>;
  listSamples(checkpointId: string): Promise<SampleList>;
  /** The meters the generate form offers for a checkpoint (its run's training tunes'). */
  listMeters(checkpointId: string): Promise<MeterList>;
  promote(request: PromoteRequest): Promise<PromoteResponse>;
  listAliases(): Promise<AliasList>;
  /** Two tunes of the sweep (two checkpoints, or one and the held-out human tunes) in one meter, names hidden. */
  getListenPair(query: { sweep: string; meter?: string }): Promise<ListenPair>;
  /** Records which of the two is better to hear; the answer says who wrote each. */
  vote(request: VoteRequest): Promise<VoteResponse>;
  /** Each voted checkpoint's Bradley–Terry rating in the sweep. */
  getRatings(sweepId: string): Promise<RatingsResponse>;
  /** A link to download a sample. */
  sampleUrl(id: string, ext: 'abc' | 'mid'): string;
  /**
   * Follows a running sweep (Server-Sent Events); returns the function that stops following, or null where
   * the browser has no EventSource (the page then polls).
   */
  followSweep(sweepId: string, handlers: SweepFeedHandlers): (() => void) | null;
}

/** A failed API call: the server's message and, for 4xx, the field it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly where?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function queryString(query: object | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The API over fetch, relative to `base` (the page's own origin by default). `prefetched` holds GET
 * requests index.html started before this script ran (by path); each is used once, and a failed one is
 * simply asked again.
 */
export function createFetchApi(
  base = '',
  fetchImpl: typeof fetch = (...args) => fetch(...args),
  prefetched: Record<string, Promise<unknown>> = {},
): DashboardApi {
  async function call<T>(path: string, init?: { method: string; body: unknown }): Promise<T> {
    const early = init ? undefined : prefetched[path];
    if (early) {
      delete prefetched[path];
      try {
        return (await early) as T;
      } catch {
        // fall through to a fresh request, which reports the error properly
      }
    }
    const res = await fetchImpl(`${base}${path}`, init ? { method: init.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) } : undefined);
    const body = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const err = body as Partial<ErrorBody> | null;
      throw new ApiError(res.status, err?.error ?? `${res.status} ${res.statusText}`, err?.where);
    }
    return body as T;
  }
  const enc = encodeURIComponent;
  return {
    listSweeps: () => call('/api/sweeps'),
    getSweep: (id) => call(`/api/sweeps/${enc(id)}`),
    listTrials: (id, q) => call(`/api/sweeps/${enc(id)}/trials${queryString(q)}`),
    getSeries: (id, q) => call(`/api/sweeps/${enc(id)}/series${queryString(q)}`),
    getImportance: (id, q) => call(`/api/sweeps/${enc(id)}/importance${queryString(q)}`),
    getTrial: (id) => call(`/api/trials/${enc(id)}`),
    getMetrics: (id, q) => call(`/api/trials/${enc(id)}/metrics${queryString(q)}`),
    listCheckpoints: (id) => call(`/api/trials/${enc(id)}/checkpoints`),
    generate: (body) => call('/api/generate', { method: 'POST', body }),
    listSamples: (checkpointId) => call(`/api/samples${queryString({ checkpointId })}`),
    listMeters: (checkpointId) => call(`/api/checkpoints/${enc(checkpointId)}/meters`),
    promote: (body) => call('/api/promote', { method: 'POST', body }),
    listAliases: () => call('/api/aliases'),
    getListenPair: (q) => call(`/api/listen/pair${queryString(q)}`),
    vote: (body) => call('/api/votes', { method: 'POST', body }),
    getRatings: (sweep) => call(`/api/ratings${queryString({ sweep })}`),
    sampleUrl: (id, ext) => `${base}/api/samples/${enc(id)}.${ext}`,
    followSweep: (id, handlers) => {
      if (typeof EventSource === 'undefined') return null;
      const source = new EventSource(`${base}/api/sweeps/${enc(id)}/events`);
      const on = <K extends keyof SweepFeedHandlers>(name: K) =>
        source.addEventListener(name, (e) => {
          if (name === 'end') source.close(); // else EventSource reconnects to a finished sweep forever
          handlers[name](JSON.parse((e as MessageEvent<string>).data) as never);
        });
      for (const name of ['hello', 'trial', 'metrics', 'sweep', 'end'] as const) on(name);
      return () => source.close();
    },
  };
}
