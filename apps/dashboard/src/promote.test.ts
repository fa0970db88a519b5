import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeFixture, type Fixture } from '../testing/fixture';
import { bestCheckpointOf, promoteCheckpoint } from './promote';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture({ trials: 5, points: 12, testSplit: 0.1 });
});
afterAll(async () => f?.cleanup());

describe('promoteCheckpoint', () => {
  test('--best picks the best trial’s best checkpoint', async () => {
    const [best] = await f.store.listTrials(f.sweepId, { sort: 'best', limit: 1 });
    const c = await bestCheckpointOf(f.store, f.sweepId);
    expect(c.id).toBe(best.bestCheckpointId);
    expect(c.kind).toBe('best');
    await expect(bestCheckpointOf(f.store, 'sw-none')).rejects.toMatchObject({ userError: true, where: '--sweep' });
  });

  test('with a test split, the measured loss is returned and written into the note', async () => {
    const c = await bestCheckpointOf(f.store, f.sweepId);
    const seen: string[] = [];
    const r = await promoteCheckpoint(f.store, { checkpointId: c.id, note: 'best of sweep' }, {
      testLoss: async (cp, config) => {
        seen.push(`${cp.id}:${config?.data.split.test}`);
        return 1.2345678;
      },
    });
    expect(seen).toEqual([`${c.id}:0.1`]);
    expect(r.testLoss).toBeCloseTo(1.2345678);
    expect(r.alias).toMatchObject({ alias: 'champion', checkpointId: c.id });
    expect(r.alias.note).toBe('best of sweep · test loss 1.2346 nats/symbol');
    expect((await f.store.getAlias('champion'))?.current?.checkpointId).toBe(c.id);
  });

  test('an evaluator that cannot measure leaves the loss null and says so', async () => {
    const r = await promoteCheckpoint(f.store, { checkpointId: f.checkpointIds[0], alias: 'candidate' }, { testLoss: async () => null });
    expect(r.testLoss).toBeNull();
    expect(r.testLossNote).toMatch(/not measured/);
    expect(r.alias.note).toBeNull();
  });

  test('unknown checkpoints are an InputError naming checkpointId', async () => {
    await expect(promoteCheckpoint(f.store, { checkpointId: 'nope' })).rejects.toMatchObject({ userError: true, where: 'checkpointId' });
  });
});
