import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { meterChoice } from '@tunelab/abc';
import type { RunConfig } from '@tunelab/config';
import { createRng } from '@tunelab/dataset';
import { choosePair, pairCounter, rateVotes, votesToComparisons, type PlayerRating as Rated } from '@tunelab/eval';
import { HUMAN_PLAYER_PREFIX, type Store, type SweepRow, type VoteRow } from '@tunelab/store';
import {
  ErrorBody,
  ListenPair,
  ListenPairQuery,
  RatingsQuery,
  RatingsResponse,
  VoteRequest,
  VoteResponse,
  type PlayerRating,
  type RevealedTune,
  type TuneScore,
} from '../../api/schemas';
import { localCheckpoint } from '../../checkpoint-files';
import type { DashboardContext } from '../context';
import { HttpError } from '../errors';
import { GenerationUnavailable, type GenerateSettings } from '../generation';
import { blindAbc, tuneMeter } from '../human-tunes';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

/** How the ratings read, for the API's answer and the docs. */
const RATING_MODEL =
  'Bradley–Terry, fitted by Newton (MAP, prior N(0, 4) per checkpoint); "same" counts half a win each; rating = log-odds of being preferred, relative to the held-out human tunes when they took part; stderr from the observed Fisher information';

/** A sample to listen to, whoever wrote it. */
interface ListenSample {
  id: string;
  abc: string;
  player: string;
  human: boolean;
  checkpointId: string | null;
  trialId: string | null;
  sweepId: string | null;
}

/** A sample id's tune and player: a stored sample of a checkpoint, or a stored human tune; null when neither. */
export async function findListenSample(store: Store, id: string): Promise<ListenSample | null> {
  const sample = await store.getSample(id);
  if (sample) {
    const checkpoint = await store.getCheckpoint(sample.checkpointId);
    const trial = checkpoint ? await store.getTrial(checkpoint.trialId) : null;
    return { id, abc: sample.abc, player: sample.checkpointId, human: false, checkpointId: sample.checkpointId, trialId: trial?.id ?? null, sweepId: trial?.sweepId ?? null };
  }
  const human = await store.getHumanTune(id);
  if (human) return { id, abc: human.abc, player: human.source, human: true, checkpointId: null, trialId: null, sweepId: null };
  return null;
}

/** The sweep's votes rated: the checkpoints (with their trials) best first, and the human anchor. */
export async function sweepRatings(store: Store, sweepId: string): Promise<{ votes: VoteRow[]; ratings: PlayerRating[]; human: PlayerRating | null }> {
  const votes = await store.listVotes({ sweepId });
  const fit = rateVotes(votes, { anchorPrefix: HUMAN_PLAYER_PREFIX });
  const trialOf = new Map((await store.listCheckpoints({ sweepId, includeDeleted: true })).map((c) => [c.id, c.trialId]));
  const view = (r: Rated): PlayerRating => {
    const human = r.player.startsWith(HUMAN_PLAYER_PREFIX);
    return { player: r.player, checkpointId: human ? null : r.player, trialId: human ? null : (trialOf.get(r.player) ?? null), rating: r.rating, stderr: r.stderr, votes: r.votes, wins: r.wins };
  };
  const all = fit.ratings.map(view);
  const humans = all.filter((r) => r.player.startsWith(HUMAN_PLAYER_PREFIX));
  return { votes, ratings: all.filter((r) => !r.player.startsWith(HUMAN_PLAYER_PREFIX)), human: humans.find((h) => h.player === fit.anchor) ?? humans[0] ?? null };
}

/** The meter a pair is played in: the one asked for, else the sweep's most common training meter, else 6/8. */
async function pairMeter(ctx: DashboardContext, sweep: SweepRow, asked: string | undefined): Promise<string> {
  if (asked !== undefined) {
    const m = meterChoice(asked);
    if (m === null) throw new HttpError(400, `query.meter: expected a meter like 6/8, but got ${JSON.stringify(asked)}`, 'query.meter');
    return m;
  }
  const counted = ctx.scorer.meters ? await ctx.scorer.meters(sweep.config.base as RunConfig).catch(() => null) : null;
  return counted?.[0]?.meter ?? '6/8';
}

/**
 * Blind listening: `GET /api/listen/pair` picks the two players to compare next and a tune of each (stored, or
 * sampled now with the generate route's sampler), `POST /api/votes` records a verdict and tells who wrote what,
 * `GET /api/ratings` rates the sweep's checkpoints. The held-out human tunes of the sweep's corpus (test split)
 * play as one more player, `human:<corpus>-<files>-test`, stored in the store's human_tunes with sample-like ids.
 */
export async function listeningRoutes(app: FastifyInstance, ctx: DashboardContext): Promise<void> {
  app.get<{ Querystring: ListenPairQuery }>(
    '/api/listen/pair',
    {
      schema: {
        tags: ['listening'],
        summary: 'The next pair to judge blind: two tunes in one meter from the two players whose vote teaches most (close ratings, few votes)',
        querystring: ListenPairQuery,
        response: { 200: ListenPair, ...errors },
      },
    },
    async (req) => {
      const sweep = await ctx.reader.getSweep(req.query.sweep);
      if (!sweep) throw new HttpError(404, `No sweep ${req.query.sweep}`, 'query.sweep');
      const meter = await pairMeter(ctx, sweep, req.query.meter);
      const seed = req.query.seed ?? randomInt(0, 2 ** 31 - 1);
      const rng = createRng(seed);

      // Players: each trial's best checkpoint that still has its files, and the human tunes in this meter.
      const trials = await ctx.reader.listTrials(sweep.id);
      const checkpoints = new Map<string, { trialConfig: RunConfig }>();
      for (const t of trials) {
        if (!t.bestCheckpointId) continue;
        const c = await ctx.reader.getCheckpoint(t.bestCheckpointId);
        if (c && c.deletedAt === null) checkpoints.set(c.id, { trialConfig: t.config });
      }
      const humanSet = ctx.humanTunes ? await ctx.humanTunes(sweep.config.base as RunConfig) : null;
      const humanIndexes = humanSet ? humanSet.tunes.map((abc, i) => ({ abc, i })).filter((t) => tuneMeter(t.abc) === meter) : [];
      const players = [...checkpoints.keys()];
      if (humanSet && humanIndexes.length > 0) players.push(humanSet.source);
      if (players.length < 2) {
        throw new HttpError(409, `Sweep ${sweep.id} has ${players.length === 0 ? 'no players' : 'one player'} to compare in ${meter}: blind listening needs two (trials with a best checkpoint, or held-out human tunes)`, 'query.sweep');
      }

      const { votes, ratings, human } = await sweepRatings(ctx.reader, sweep.id);
      const rating = new Map([...ratings, ...(human ? [human] : [])].map((r) => [r.player, r.rating]));
      const pair = choosePair(
        players.map((player) => ({ player, rating: rating.get(player) ?? 0 })),
        pairCounter(votesToComparisons(votes)),
        seed,
      )!;
      const heard = new Set(votes.flatMap((v) => [v.leftSampleId, v.rightSampleId]));

      const tuneOf = async (player: string): Promise<{ id: string; abc: string }> => {
        if (humanSet && player === humanSet.source) {
          const pick = humanIndexes[rng.int(humanIndexes.length)];
          const [row] = await (await ctx.writer()).addHumanTunes(humanSet.source, [{ index: pick.i, abc: pick.abc }]);
          return { id: row.id, abc: row.abc };
        }
        // A stored sample in this meter with no prime that nobody has voted on yet, else a new one.
        const stored = (await ctx.reader.listSamples({ checkpointId: player, limit: 100 })).filter((s) => !s.settings.prime && s.settings.meter === meter && !heard.has(s.id));
        if (stored.length > 0) {
          const s = stored[rng.int(stored.length)];
          return { id: s.id, abc: s.abc };
        }
        return generateOne(ctx, player, meter, rng.int(2 ** 31 - 1));
      };
      const a = await tuneOf(pair.a);
      const b = await tuneOf(pair.b);
      const [left, right] = rng.next() < 0.5 ? [a, b] : [b, a];
      return { sweepId: sweep.id, meter, left: { id: left.id, abc: blindAbc(left.abc) }, right: { id: right.id, abc: blindAbc(right.abc) } };
    },
  );

  app.post<{ Body: VoteRequest }>(
    '/api/votes',
    {
      schema: {
        tags: ['listening'],
        summary: 'Records a blind verdict on two samples (left, right or same) and tells who wrote each',
        body: VoteRequest,
        response: { 200: VoteResponse, ...errors },
      },
    },
    async (req) => {
      const body = req.body;
      if (body.left === body.right) throw new HttpError(400, `body.right: a vote compares two samples, but both sides are ${body.left}`, 'body.right');
      const left = await findListenSample(ctx.reader, body.left);
      if (!left) throw new HttpError(400, `body.left: no sample ${body.left}`, 'body.left');
      const right = await findListenSample(ctx.reader, body.right);
      if (!right) throw new HttpError(400, `body.right: no sample ${body.right}`, 'body.right');
      if (left.player === right.player) throw new HttpError(400, `body.right: both samples are by ${left.human ? 'the human tunes' : `checkpoint ${left.player}`}; a vote compares two players`, 'body.right');
      if (left.sweepId && right.sweepId && left.sweepId !== right.sweepId) {
        throw new HttpError(400, `body.right: the samples come from two sweeps (${left.sweepId}, ${right.sweepId}); ratings compare checkpoints of one sweep`, 'body.right');
      }
      const sweepId = left.sweepId ?? right.sweepId;
      if (!sweepId) throw new HttpError(400, 'body.right: neither sample is from a checkpoint of a sweep', 'body.right');
      const vote = await (await ctx.writer()).addVote({
        sweepId,
        voter: body.voter ?? null,
        leftSampleId: left.id,
        rightSampleId: right.id,
        leftPlayer: left.player,
        rightPlayer: right.player,
        verdict: body.verdict,
      });
      const reveal = (s: ListenSample): RevealedTune => ({ sampleId: s.id, player: s.player, human: s.human, checkpointId: s.checkpointId, trialId: s.trialId, abc: s.abc });
      return {
        vote: { id: vote.id, createdAt: vote.createdAt, sweepId: vote.sweepId, voter: vote.voter, leftSampleId: vote.leftSampleId, rightSampleId: vote.rightSampleId, verdict: vote.verdict },
        left: reveal(left),
        right: reveal(right),
      };
    },
  );

  app.get<{ Querystring: RatingsQuery }>(
    '/api/ratings',
    {
      schema: {
        tags: ['listening'],
        summary: "Bradley–Terry ratings of a sweep's checkpoints from blind votes, with standard errors and the human anchor",
        querystring: RatingsQuery,
        response: { 200: RatingsResponse, ...errors },
      },
    },
    async (req) => {
      const sweep = await ctx.reader.getSweep(req.query.sweep);
      if (!sweep) throw new HttpError(404, `No sweep ${req.query.sweep}`, 'query.sweep');
      const { votes, ratings, human } = await sweepRatings(ctx.reader, sweep.id);
      return { sweepId: sweep.id, votes: votes.length, ratings, human, model: RATING_MODEL };
    },
  );
}

/** One tune from a checkpoint through the generate route's path (queue, generator, scorer), stored as a sample. */
async function generateOne(ctx: DashboardContext, checkpointId: string, meter: string, seed: number): Promise<{ id: string; abc: string }> {
  const checkpoint = await ctx.reader.getCheckpoint(checkpointId);
  if (!checkpoint) throw new HttpError(404, `No checkpoint ${checkpointId}`);
  const trial = await ctx.reader.getTrial(checkpoint.trialId);
  const settings: GenerateSettings = { n: 1, temperature: 1, topK: null, topP: null, prime: null, meter, seed, maxLength: 600, constrain: 'meter', allowCopies: false };
  const { text, score } = await ctx.queue.run(async (signal) => {
    let tunes;
    try {
      tunes = await ctx.generator.generate({ checkpoint: await localCheckpoint(ctx.reader, checkpoint, ctx.checkpointCache), trial, settings, signal });
    } catch (err) {
      if (err instanceof GenerationUnavailable) throw new HttpError(501, err.message);
      throw err;
    }
    if (tunes.length === 0) throw new Error(`checkpoint ${checkpointId} gave no tune`);
    const [scored] = await ctx.scorer.score([tunes[0].text], trial?.config ?? null);
    const { maskedMassMean, maskedMassMax, redraws } = tunes[0];
    return { text: tunes[0].text, score: { ...scored, maskedMassMean, maskedMassMax, redraws } as TuneScore };
  });
  const row = await (await ctx.writer()).addSample({ checkpointId, settings, abc: text, eval: score as unknown as Record<string, unknown> });
  return { id: row.id, abc: row.abc };
}
