import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { addTwoObjectiveSweep, TWO_OBJECTIVE_FRONT, TWO_OBJECTIVE_VECTORS } from '../../testing/two-objectives';
import { makeFixture, serveFixture, type Fixture } from '../../testing/fixture';

let f: Fixture;
let app: FastifyInstance;
let served: Awaited<ReturnType<typeof serveFixture>>;
let two: { sweepId: string; trialIds: string[] };

beforeAll(async () => {
  f = await makeFixture({ trials: 4, points: 6 });
  two = await addTwoObjectiveSweep(f.store, f.home);
  served = await serveFixture(f);
  app = served.app;
});

afterAll(async () => {
  await served?.close();
  await f?.cleanup();
});

const get = async (url: string) => {
  const r = await app.inject(url);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};

describe('GET /api/sweeps/:id with several objectives', () => {
  test('objectives, the Pareto front of the completed trials, and each vector at the best epoch', async () => {
    const body = await get(`/api/sweeps/${two.sweepId}`);
    expect(body.objectives).toEqual([
      { name: 'val_loss', goal: 'minimize' },
      { name: 'bar_ok_rate', goal: 'maximize' },
    ]);
    // The pruned trial 7 would be on the front; the front is over completed trials only.
    expect(body.pareto).toEqual(TWO_OBJECTIVE_FRONT.map((i) => two.trialIds[i]));
    expect(body.objectiveVectors).toHaveLength(TWO_OBJECTIVE_VECTORS.length);
    for (const [i, v] of body.objectiveVectors.entries()) {
      expect(v).toMatchObject({ trialId: two.trialIds[i], number: i, status: i === 7 ? 'pruned' : 'completed' });
      expect(v.values.val_loss).toBeCloseTo(TWO_OBJECTIVE_VECTORS[i][0], 9);
      // At the best val_loss epoch (4), not the last (6), where bar_ok_rate is 0.04 higher.
      expect(v.values.bar_ok_rate).toBeCloseTo(TWO_OBJECTIVE_VECTORS[i][1], 9);
    }
    expect(body.metricNames).toEqual(expect.arrayContaining(['val_loss', 'bar_ok_rate']));
  });

  test('one objective: objectives is [metric], no front or vectors (best says it)', async () => {
    const body = await get(`/api/sweeps/${f.sweepId}`);
    expect(body.objectives).toEqual([{ name: 'val_loss', goal: 'minimize' }]);
    expect(body.pareto).toEqual([]);
    expect(body.objectiveVectors).toEqual([]);
  });

  test('/docs/json documents the new fields and the importance route', async () => {
    const doc = await get('/docs/json');
    expect(doc.paths).toHaveProperty(['/api/sweeps/{id}/importance']);
    const schema = doc.paths['/api/sweeps/{id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['objectives', 'pareto', 'objectiveVectors']));
  });
});
