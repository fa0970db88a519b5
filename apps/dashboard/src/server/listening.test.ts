import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { rateVotes } from '@tunelab/eval';
import { HUMAN_PLAYER_PREFIX } from '@tunelab/store';
import { FAKE_HUMAN_SOURCE, fakeGenerator, fakeHumanTunes, makeFixture, serveFixture, type Fixture } from '../../testing/fixture';
import { blindAbc } from './human-tunes';

let f: Fixture;
let app: FastifyInstance;
let served: Awaited<ReturnType<typeof serveFixture>>;
const generator = fakeGenerator();

beforeAll(async () => {
  f = await makeFixture({ trials: 4, points: 8 });
  served = await serveFixture(f, { generator, humanTunes: fakeHumanTunes() });
  app = served.app;
});

afterAll(async () => {
  await served?.close();
  await f?.cleanup();
});

const get = async (url: string) => {
  const r = await app.inject(url);
  return { status: r.statusCode, body: r.json() };
};
const vote = async (payload: object, headers: Record<string, string> = {}) => {
  const r = await app.inject({ method: 'POST', url: '/api/votes', payload, headers });
  return { status: r.statusCode, body: r.json() };
};

describe('blind listening', () => {
  test('GET /api/listen/pair gives two tunes in the meter, sampled through the generator, names hidden', async () => {
    const calls = generator.calls;
    const r = await get(`/api/listen/pair?sweep=${f.sweepId}&meter=6/8&seed=3`);
    expect(r.status).toBe(200);
    expect(r.body.meter).toBe('6/8');
    expect(r.body.left.id).not.toBe(r.body.right.id);
    for (const side of [r.body.left, r.body.right]) {
      expect(side.id).toMatch(/^sa-[0-9a-f]{8}$/);
      expect(side.abc).toMatch(/^M:6\/8$/m);
      expect(side.abc).not.toMatch(/^[TCO]:/m);
      expect(Object.keys(side).sort()).toEqual(['abc', 'id']);
    }
    expect(generator.calls).toBeGreaterThan(calls);
    expect(blindAbc('X:1\nT:Name\nC:Who\n% note\nM:6/8\nK:D\nabc|\nT:Part two\ndef|')).toBe('X:1\nM:6/8\nK:D\nabc|\ndef|');
  });

  test('POST /api/votes checks its body: both samples exist, one verdict, two players; and the Origin rule', async () => {
    const pair = (await get(`/api/listen/pair?sweep=${f.sweepId}&meter=6/8&seed=4`)).body;
    expect(await vote({ left: 'sa-nothere', right: pair.right.id, verdict: 'left' })).toMatchObject({ status: 400, body: { where: 'body.left' } });
    expect(await vote({ left: pair.left.id, right: 'sa-nothere', verdict: 'left' })).toMatchObject({ status: 400, body: { where: 'body.right' } });
    expect(await vote({ left: pair.left.id, right: pair.left.id, verdict: 'left' })).toMatchObject({ status: 400, body: { where: 'body.right' } });
    expect((await vote({ left: pair.left.id, right: pair.right.id, verdict: 'better' })).status).toBe(400);
    expect((await vote({ left: pair.left.id, right: pair.right.id })).status).toBe(400);
    expect((await vote({ left: pair.left.id, right: pair.right.id, verdict: ['left', 'right'] })).status).toBe(400);
    // Two samples of one checkpoint are no comparison.
    const own = await f.store.listSamples({ checkpointId: (await f.store.getSample(pair.left.id))?.checkpointId ?? 'x' });
    const twin = await f.store.addSample({ checkpointId: own[0].checkpointId, settings: own[0].settings, abc: own[0].abc });
    expect(await vote({ left: pair.left.id, right: twin.id, verdict: 'same' })).toMatchObject({ status: 400, body: { where: 'body.right' } });
    const foreign = await vote({ left: pair.left.id, right: pair.right.id, verdict: 'left' }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await f.store.listVotes({ sweepId: f.sweepId })).toEqual([]);
  });

  test('three votes, with the human tunes as a player, change the ratings; /api/ratings anchors on the humans', async () => {
    const empty = await get(`/api/ratings?sweep=${f.sweepId}`);
    expect(empty).toMatchObject({ status: 200, body: { votes: 0, ratings: [], human: null } });

    const pair = (await get(`/api/listen/pair?sweep=${f.sweepId}&meter=6/8&seed=5`)).body;
    const first = await vote({ left: pair.left.id, right: pair.right.id, verdict: 'left', voter: 'ann' });
    expect(first.status).toBe(200);
    expect(first.body.vote).toMatchObject({ sweepId: f.sweepId, voter: 'ann', leftSampleId: pair.left.id, verdict: 'left' });
    // After the vote, who wrote what, with titles.
    const winner = first.body.left.player as string;
    const loser = first.body.right.player as string;
    expect(winner).not.toBe(loser);
    for (const side of [first.body.left, first.body.right]) {
      if (side.human) expect(side.player).toBe(FAKE_HUMAN_SOURCE);
      else expect(side.trialId).toBe(f.trialIds.find((t) => side.checkpointId.startsWith(t)));
    }
    const afterOne = (await get(`/api/ratings?sweep=${f.sweepId}`)).body;
    const ratingOf = (body: { ratings: { player: string; rating: number }[]; human: { player: string; rating: number } | null }, p: string) =>
      [...body.ratings, ...(body.human ? [body.human] : [])].find((r) => r.player === p)!.rating;
    expect(ratingOf(afterOne, winner)).toBeGreaterThan(ratingOf(afterOne, loser));

    // A human tune against the loser, twice: the humans win once, then a tie.
    // Seed 5 picks two checkpoints first (the pick is seeded); the loser then meets the humans.
    expect([first.body.left.human, first.body.right.human]).toEqual([false, false]);
    const model = first.body.right;
    const [human] = await f.store.addHumanTunes(FAKE_HUMAN_SOURCE, [{ index: 1, abc: 'X:2\nT:Held Out\nM:6/8\nK:D\ndfa|' }]);
    expect((await vote({ left: human.id, right: model.sampleId, verdict: 'left' })).body.left).toMatchObject({ human: true, player: FAKE_HUMAN_SOURCE, checkpointId: null });
    expect((await vote({ left: model.sampleId, right: human.id, verdict: 'same' })).status).toBe(200);

    const r = await get(`/api/ratings?sweep=${f.sweepId}`);
    expect(r.status).toBe(200);
    expect(r.body.votes).toBe(3);
    expect(r.body.human).toMatchObject({ player: FAKE_HUMAN_SOURCE, rating: 0, stderr: 0, checkpointId: null, trialId: null });
    expect(r.body.ratings.every((x: { player: string }) => !x.player.startsWith(HUMAN_PLAYER_PREFIX))).toBe(true);
    expect(r.body.ratings.map((x: { rating: number }) => x.rating)).toEqual([...r.body.ratings.map((x: { rating: number }) => x.rating)].sort((a, b) => b - a));
    // The numbers are @tunelab/eval's fit of the stored votes, anchored on the humans.
    const fit = rateVotes(await f.store.listVotes({ sweepId: f.sweepId }), { anchorPrefix: HUMAN_PLAYER_PREFIX });
    for (const x of r.body.ratings) {
      const expected = fit.ratings.find((y) => y.player === x.player)!;
      expect(x.rating).toBeCloseTo(expected.rating, 12);
      expect(x.stderr).toBeCloseTo(expected.stderr, 12);
      expect(x.stderr).toBeGreaterThan(0);
    }
    // The model that lost to (and tied with) the humans rates below them.
    expect(ratingOf(r.body, model.player)).toBeLessThan(0);
  });

  test('the next pair favours players with few votes between them', async () => {
    const votes = await f.store.listVotes({ sweepId: f.sweepId });
    const voted = new Set(votes.map((v) => [v.leftPlayer, v.rightPlayer].sort().join(' ')));
    for (const seed of [1, 2, 3]) {
      const pair = (await get(`/api/listen/pair?sweep=${f.sweepId}&meter=6/8&seed=${seed}`)).body;
      const who = await Promise.all([pair.left.id, pair.right.id].map(async (id: string) => (await f.store.getSample(id))?.checkpointId ?? (await f.store.getHumanTune(id))!.source));
      expect(voted.has(who.sort().join(' '))).toBe(false);
    }
  });

  test('unknown sweeps are 404 at query.sweep; the routes are in /docs/json', async () => {
    expect(await get('/api/ratings?sweep=sw-none')).toMatchObject({ status: 404, body: { where: 'query.sweep' } });
    expect(await get('/api/listen/pair?sweep=sw-none')).toMatchObject({ status: 404, body: { where: 'query.sweep' } });
    const doc = (await get('/docs/json')).body;
    for (const path of ['/api/votes', '/api/ratings', '/api/listen/pair']) expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/api/votes'].post.requestBody.content['application/json'].schema.required).toEqual(['left', 'right', 'verdict']);
  });
});
