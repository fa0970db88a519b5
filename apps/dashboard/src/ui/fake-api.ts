import type { Alias, Checkpoint, GenerateRequest, Point, Sample, SweepDetail, Trial } from '../api/schemas';
import type { DashboardApi, SweepFeedHandlers } from './api-client';
import type { PlayerRating, RevealedTune, VoteRequest } from './listen-types';

/** An in-memory DashboardApi for component tests: one sweep, a few trials, records what was asked. */
/**
 * `objectives`: 2 or 3 makes a multi-objective sweep (val_loss minimize, then bar_ok_rate and novelty
 * maximize) whose completed trials 0, 3 and 4 are on the front. `importanceReason`: the importance route
 * answers [] with that reason (as below 5 completed trials).
 */
/** `feed`: followSweep works and `emit` sends its events (else it returns null, as without EventSource, and the page polls). */
export function fakeApi(
  opts: { running?: boolean; objectives?: 1 | 2 | 3; importanceReason?: string; feed?: boolean } = {},
): DashboardApi & { calls: string[]; aliases: Alias[]; grow(): void; emit<K extends keyof SweepFeedHandlers>(name: K, data: Parameters<SweepFeedHandlers[K]>[0]): void; following: number } {
  const sweepId = 'sw-test01';
  const trials: Trial[] = Array.from({ length: 6 }, (_, i) => ({
    id: `${sweepId}-t00${i}`,
    sweepId,
    number: i,
    params: { 'train.optimizer.lr': 0.001 * (i + 1), 'model.layers': [128] },
    status: i === 2 ? 'failed' : i === 5 ? 'running' : 'completed',
    attempt: 0,
    createdAt: 0,
    startedAt: 0,
    finishedAt: null,
    bestValue: i === 2 ? null : 1 + i / 10,
    bestStep: 3,
    bestCheckpointId: `${sweepId}-t00${i}-e003-best`,
    failureReason: i === 2 ? 'loss became NaN' : null,
    pruneReason: null,
    bestMetrics: (i === 2 ? {} : { val_loss: 1 + i / 10, val_accuracy: 0.6 }) as Record<string, number | null>,
  }));
  const sweep: SweepDetail = {
    id: sweepId,
    name: 'fake-sweep',
    method: 'random',
    metricName: 'val_loss',
    metricGoal: 'minimize',
    status: opts.running ? 'running' : 'completed',
    seed: 1,
    distributed: false,
    createdAt: 0,
    startedAt: 0,
    finishedAt: 0,
    counts: { completed: 4, failed: 1, running: 1 },
    best: { trialId: trials[0].id, value: 1 },
    configYaml: 'name: fake-sweep\n',
    parameters: ['train.optimizer.lr', 'model.layers'],
    metricNames: ['val_loss', 'loss'],
    objectives: [{ name: 'val_loss', goal: 'minimize' }],
    pareto: [],
    objectiveVectors: [],
  };
  if ((opts.objectives ?? 1) > 1) {
    const extra = [
      { name: 'bar_ok_rate', goal: 'maximize' as const },
      { name: 'novelty', goal: 'maximize' as const },
    ].slice(0, opts.objectives! - 1);
    sweep.objectives = [...sweep.objectives, ...extra];
    sweep.metricNames = [...sweep.metricNames, ...extra.map((o) => o.name)];
    // val_loss rises with the trial number; bar_ok_rate too except for trial 1 (dominated by 0) and 3 (by 4).
    const bar = [0.5, 0.4, null, 0.6, 0.9, 0.95];
    sweep.objectiveVectors = trials
      .filter((t) => t.bestValue !== null)
      .map((t) => ({
        trialId: t.id,
        number: t.number,
        status: t.status,
        values: Object.fromEntries([
          ['val_loss', t.bestValue],
          ['bar_ok_rate', bar[t.number]],
          ['novelty', 0.3 + 0.1 * t.number],
        ].slice(0, opts.objectives!)),
      }));
    sweep.pareto = [trials[0].id, trials[3].id, trials[4].id];
  }
  // Epochs written so far; grow() adds one, as a running sweep does.
  let epochs = 10;
  const curve = (k: number, after = 0): Point[] =>
    Array.from({ length: epochs }, (_, s): Point => [s + 1, 3 - s * 0.1 + k * 0.05]).filter(([step]) => step > after);
  const checkpoint = (trialId: string, epoch: number): Checkpoint => ({
    id: `${trialId}-e00${epoch}`,
    trialId,
    epoch,
    kind: 'periodic',
    metrics: { val_loss: 1.5 },
    createdAt: 0,
    deleted: false,
    aliases: api.aliases.filter((a) => a.checkpointId === `${trialId}-e00${epoch}`).map((a) => a.alias),
  });
  let sampleNo = 0;
  // Sample `sa-p<pair>-<trial>`: a jig from trial 0's or trial 1's best checkpoint.
  const blind = (pair: number, trial: number) => ({ id: `sa-p${pair}-${trial}`, abc: `X:1\nM:6/8\nL:1/8\nK:D\n${trial ? 'fed cBA' : 'ABc def'}|\n` });
  const reveal = (sampleId: string): RevealedTune => {
    const trial = Number(sampleId.slice(-1));
    const trialId = trials[trial].id;
    return { sampleId, player: trials[trial].bestCheckpointId!, human: false, checkpointId: trials[trial].bestCheckpointId, trialId, abc: `X:1\nT:Tune of ${trialId}\nM:6/8\nL:1/8\nK:D\nABc def|\n` };
  };
  const api = {
    calls: [] as string[],
    aliases: [] as Alias[],
    async listSweeps() {
      api.calls.push('listSweeps');
      return { sweeps: [sweep] };
    },
    async getSweep(id: string) {
      api.calls.push(`getSweep ${id}`);
      return sweep;
    },
    async listTrials(id: string, q?: object) {
      api.calls.push(`listTrials ${id} ${JSON.stringify(q ?? {})}`);
      return { trials, total: trials.length, offset: 0, limit: 1000 };
    },
    async getSeries(_id: string, q: { name: string; trialIds?: string; after?: number }) {
      api.calls.push(`getSeries ${q.name} ${q.trialIds}${q.after !== undefined ? ` after=${q.after}` : ''}`);
      const ids = q.trialIds?.split(',') ?? trials.map((t) => t.id);
      return { name: q.name, series: Object.fromEntries(ids.map((id, k) => [id, curve(k, q.after ?? 0)])) };
    },
    async getImportance(_id: string, q: { metric?: string; goal?: 'minimize' | 'maximize' } = {}) {
      api.calls.push(`getImportance ${q.metric ?? ''}`);
      const metric = q.metric ?? 'val_loss';
      const goal = sweep.objectives.find((o) => o.name === metric)?.goal ?? 'minimize';
      if (opts.importanceReason) return { method: 'ped-anova' as const, metric, goal, trials: 4, importances: [], reason: opts.importanceReason };
      const lrFirst = metric === 'val_loss';
      const importances = [
        { param: 'train.optimizer.lr', importance: lrFirst ? 0.8 : 0.3 },
        { param: 'model.layers', importance: lrFirst ? 0.2 : 0.7 },
      ].sort((a, b) => b.importance - a.importance);
      return { method: 'ped-anova' as const, metric, goal, trials: 5, importances };
    },
    async getTrial(id: string) {
      api.calls.push(`getTrial ${id}`);
      const t = trials.find((x) => x.id === id)!;
      return { ...t, config: { model: { layers: [128] } }, logTail: 'epoch 3: val_loss 1.1\n', seed: 1, worker: null, metricName: 'val_loss', metricGoal: 'minimize' as const };
    },
    async getMetrics(id: string) {
      api.calls.push(`getMetrics ${id}`);
      return { series: { val_loss: curve(0), loss: curve(1) } };
    },
    async listCheckpoints(id: string) {
      api.calls.push(`listCheckpoints ${id}`);
      return { checkpoints: [checkpoint(id, 1), checkpoint(id, 3)] };
    },
    async generate(req: GenerateRequest) {
      api.calls.push(`generate ${JSON.stringify(req)}`);
      const samples: Sample[] = Array.from({ length: req.n }, () => ({
        id: `sa-${++sampleNo}`,
        checkpointId: req.checkpointId,
        createdAt: 0,
        settings: { temperature: req.temperature, seed: req.seed ?? 0, maxLength: req.maxLength, constrain: req.constrain ?? 'meter', allowCopies: req.allowCopies ?? false, meter: req.meter ?? null },
        abc: `X:1\nT:Fake jig ${sampleNo}\nM:${req.meter ?? '6/8'}\nL:1/8\nK:D\nABc def|\n`,
        eval: {
          valid: true,
          barsOk: true,
          headerOk: true,
          errorCodes: [],
          abc2midiClean: null,
          novelty: { lcs: 8, lcsShare: 0.25, copy: false, nearest: 'jigs#1', bars: 4, barsInReference: 1 },
          maskedMassMean: req.constrain === 'off' ? 0 : 0.034,
          maskedMassMax: req.constrain === 'off' ? 0 : 0.5,
          redraws: 1,
        },
      }));
      return { samples, ms: 1 };
    },
    async listSamples() {
      return { samples: [] };
    },
    async listMeters() {
      return {
        meters: [
          { meter: '6/8', label: 'jigs', tunes: 300 },
          { meter: '4/4', label: 'reels & hornpipes', tunes: 450 },
          { meter: '3/4', label: 'waltzes', tunes: 50 },
        ].sort((a, b) => b.tunes - a.tunes),
        default: '6/8',
        source: 'corpus' as const,
      };
    },
    async promote(req: { checkpointId: string; alias?: string; note?: string | null }) {
      api.calls.push(`promote ${JSON.stringify(req)}`);
      const trialId = req.checkpointId.replace(/-e\d+.*$/, '');
      const alias: Alias = { alias: req.alias ?? 'champion', version: 1, checkpointId: req.checkpointId, note: req.note ?? null, createdAt: 0, supersededAt: null, trialId, sweepId };
      api.aliases = [alias];
      return { alias, testLoss: null, testLossNote: 'the run has no test split' };
    },
    async listAliases() {
      return { aliases: api.aliases };
    },
    sampleUrl: (id: string, ext: string) => `/api/samples/${id}.${ext}`,
    grow() {
      epochs++;
    },
    /**
     * Blind listening: pair k is checkpoint t000's best against t001's best (odd k: sides swapped); each vote
     * moves a made-up rating by ±0.5 (the server fits Bradley–Terry; the page only shows what it gets).
     */
    pairs: 0,
    listenRatings: new Map<string, PlayerRating>(),
    async getListenPair(q: { sweep: string; meter?: string }) {
      api.calls.push(`getListenPair ${q.sweep}${q.meter ? ` ${q.meter}` : ''}`);
      const k = api.pairs++;
      const sides = [blind(k, 0), blind(k, 1)];
      if (k % 2 === 1) sides.reverse();
      return { sweepId: q.sweep, meter: q.meter ?? '6/8', left: sides[0], right: sides[1] };
    },
    async vote(req: VoteRequest) {
      api.calls.push(`vote ${JSON.stringify(req)}`);
      const [left, right] = [reveal(req.left), reveal(req.right)];
      const score = { left: [1, -1], right: [-1, 1], same: [0, 0] }[req.verdict];
      [left, right].forEach((side, i) => {
        const old = api.listenRatings.get(side.checkpointId!) ?? { player: side.player, checkpointId: side.checkpointId, trialId: side.trialId, rating: 0, stderr: 2, votes: 0, wins: 0 };
        api.listenRatings.set(side.checkpointId!, { ...old, rating: old.rating + 0.5 * score[i], stderr: 2 / Math.sqrt(old.votes + 2), votes: old.votes + 1, wins: old.wins + (score[i] + 1) / 2 });
      });
      const vote = { id: `vo-${api.pairs}`, createdAt: 0, sweepId, voter: req.voter ?? null, leftSampleId: req.left, rightSampleId: req.right, verdict: req.verdict };
      return { vote, left, right };
    },
    async getRatings(sweep: string) {
      api.calls.push(`getRatings ${sweep}`);
      const ratings = [...api.listenRatings.values()].sort((a, b) => b.rating - a.rating);
      return { sweepId: sweep, votes: ratings.reduce((n, r) => n + r.votes, 0) / 2, ratings, human: null, model: 'fake: ±0.5 per vote' };
    },
    /** Open feeds. */
    following: 0,
    feeds: [] as SweepFeedHandlers[],
    followSweep(id: string, handlers: SweepFeedHandlers) {
      if (!opts.feed) return null;
      api.calls.push(`followSweep ${id}`);
      api.feeds.push(handlers);
      api.following++;
      return () => {
        api.feeds = api.feeds.filter((h) => h !== handlers);
        api.following--;
      };
    },
    emit<K extends keyof SweepFeedHandlers>(name: K, data: Parameters<SweepFeedHandlers[K]>[0]) {
      for (const h of api.feeds) (h[name] as (d: typeof data) => void)(data);
    },
  };
  return api;
}
