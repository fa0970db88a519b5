import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SweepConfig } from '@tunelab/config';
import { makeFixture, serveFixture, type Fixture } from '../../testing/fixture';

let f: Fixture;
let app: FastifyInstance;
let served: Awaited<ReturnType<typeof serveFixture>>;
/** A second sweep in the fixture's store whose val_loss only model.layers decides. */
let decidedId: string;

const LAYERS = [[128], [128, 128], [256, 256]];

beforeAll(async () => {
  // The fixture's sweep has 6 trials of which 4 completed: too few for importance.
  f = await makeFixture({ trials: 6, points: 8 });
  const fixtureSweep = (await f.store.getSweep(f.sweepId))!;
  // Two objectives: val_loss (the first) and bar_ok_rate, maximized.
  const objectives = [fixtureSweep.config.metric, { name: 'bar_ok_rate', goal: 'maximize' as const }];
  const config: SweepConfig = { ...fixtureSweep.config, name: 'layers-decide', run_cap: 12, objectives };
  const sweep = await f.store.createSweep({ config, configYaml: 'name: layers-decide\n' });
  decidedId = sweep.id;
  for (let i = 0; i < 12; i++) {
    const layers = LAYERS[i % 3];
    const lr = 0.0003 * Math.pow(33, (i * 0.37) % 1);
    const t = await f.store.createTrial({ sweepId: sweep.id, number: i, params: { 'train.optimizer.lr': lr, 'model.layers': layers }, config: config.base, seed: i });
    // val_loss: [256, 256] is best whatever the lr; bar_ok_rate (another metric) is best for the smallest lr.
    const valLoss = 1 + layers.length * (layers[0] === 256 ? 0 : 0.5) + 0.001 * i;
    const barOk = 1 - lr * 50;
    await f.store.appendMetrics([
      { trialId: t.id, name: 'val_loss', step: 1, value: valLoss + 1, time: 1 },
      { trialId: t.id, name: 'val_loss', step: 2, value: valLoss, time: 2 },
      { trialId: t.id, name: 'bar_ok_rate', step: 2, value: barOk, time: 2 },
    ]);
    await f.store.updateTrial(t.id, { status: 'running' });
    await f.store.updateTrial(t.id, { status: i === 11 ? 'failed' : 'completed', bestValue: valLoss, bestStep: 2 });
  }
  served = await serveFixture(f);
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

describe('GET /api/sweeps/:id/importance', () => {
  test('ranks first the parameter that alone decides the sweep metric; importances sum to 1', async () => {
    const { status, body } = await get(`/api/sweeps/${decidedId}/importance`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ method: 'ped-anova', metric: 'val_loss', goal: 'minimize', trials: 11 });
    expect(body.reason).toBeUndefined();
    expect(body.importances.map((x: { param: string }) => x.param)).toEqual(['model.layers', 'train.optimizer.lr']);
    // Only 2 top trials of 11: their two lr values look concentrated too (PED-ANOVA wants more trials), so
    // layers leads by less than with a long sweep, but it leads.
    expect(body.importances[0].importance).toBeGreaterThan(0.5);
    expect(body.importances.reduce((s: number, x: { importance: number }) => s + x.importance, 0)).toBeCloseTo(1, 9);
  });

  test("?metric= reads another metric at each trial's best step, with the goal the sweep's objectives give it", async () => {
    const { status, body } = await get(`/api/sweeps/${decidedId}/importance?metric=bar_ok_rate`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ metric: 'bar_ok_rate', goal: 'maximize', trials: 11 });
    expect(body.importances[0].param).toBe('train.optimizer.lr');
    // ?goal= overrides; a metric that is no objective defaults to minimize, and says so.
    expect((await get(`/api/sweeps/${decidedId}/importance?metric=bar_ok_rate&goal=minimize`)).body.goal).toBe('minimize');
    expect((await get(`/api/sweeps/${f.sweepId}/importance?metric=val_accuracy`)).body).toMatchObject({ metric: 'val_accuracy', goal: 'minimize', trials: 4 });
  });

  test('fewer than 5 completed trials: 200 with importances [] and a reason', async () => {
    const { status, body } = await get(`/api/sweeps/${f.sweepId}/importance`);
    expect(status).toBe(200);
    expect(body).toEqual({
      method: 'ped-anova',
      metric: 'val_loss',
      goal: 'minimize',
      trials: 4,
      importances: [],
      reason: 'importance needs at least 5 completed trials with a value for val_loss; there are 4',
    });
  });

  test.each([
    ['?metric=no_such_metric', 'query.metric'],
    ['?metric=val%20loss', 'query.metric'],
    ['?metric=', 'query.metric'],
    ['?goal=best', 'query.goal'],
  ])('%s → 400 naming %s', async (query, where) => {
    const { status, body } = await get(`/api/sweeps/${decidedId}/importance${query}`);
    expect(status).toBe(400);
    expect(body.where).toBe(where);
  });

  test('an unknown sweep is a 404', async () => {
    const { status, body } = await get('/api/sweeps/sw-nope/importance');
    expect(status).toBe(404);
    expect(body.where).toBe('params.id');
  });

  test('appears in /docs/json with its query and response schemas', async () => {
    const doc = (await get('/docs/json')).body;
    const op = doc.paths['/api/sweeps/{id}/importance']?.get;
    expect(op).toBeDefined();
    expect(op.parameters.map((p: { name: string; in: string }) => `${p.in}.${p.name}`)).toEqual(expect.arrayContaining(['path.id', 'query.metric', 'query.goal']));
    expect(op.responses['200'].content['application/json'].schema.properties).toHaveProperty('importances');
  });
});
