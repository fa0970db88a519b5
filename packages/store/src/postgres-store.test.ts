import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './open-store';
import { SCHEMA_VERSION } from './migrations';
import { describeStoreContract } from '../testing/contract';
import { runConfig, sweepConfig } from '../testing/fixtures';
import { schemaUrl, usePostgres } from '../testing/postgres';
import type { Store } from './types';

const pg = await usePostgres('the PostgreSQL store tests');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (pg.skip) {
  describe.skip('PostgreSQL store (unreachable)', () => {
    it('needs PostgreSQL', () => {});
  });
} else {
  describeStoreContract('PostgreSQL', {
    async fresh() {
      return pg.freshUrl();
    },
    async cleanup() {},
  });

  describe('PostgreSQL specifics', () => {
    const stores: Store[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    async function two() {
      const { name: schema, url } = pg.schema();
      // Two stores = two pools, as two agents on two machines would have; opened together, they race
      // to migrate, and the advisory lock lets exactly one apply it.
      const [a, b] = await Promise.all([openStore(url), openStore(url)]);
      stores.push(a, b);
      return { a, b, schema, url };
    }

    it('puts its tables in the schema from the URL', async () => {
      const { a, schema } = await two();
      expect(a.info).toMatchObject({ kind: 'postgres', schema, readonly: false, checkpointDir: null });
      expect(await a.migrate()).toEqual({ applied: [], version: SCHEMA_VERSION });
    });

    it('makes a second machine wait for the sweep lock', async () => {
      const { a, b } = await two();
      const sweep = await a.createSweep({ config: sweepConfig(), configYaml: '' });
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = a.withSweepLock(sweep.id, async (tx) => {
        events.push('a in');
        await held;
        await tx.createTrial({ sweepId: sweep.id, number: 0, params: {}, config: runConfig(), seed: 0 });
        events.push('a out');
      });
      await sleep(50);
      const second = b.withSweepLock(sweep.id, async (tx) => {
        events.push('b in');
        return (await tx.listTrials(sweep.id)).length;
      });
      await sleep(150);
      // While a holds the lock, b waits, and a trial insert by another connection is not blocked by it.
      expect(events).toEqual(['a in']);
      await b.createTrial({ sweepId: sweep.id, number: 5, params: {}, config: runConfig(), seed: 5 });
      release();
      await first;
      expect(await second).toBe(2);
      expect(events).toEqual(['a in', 'a out', 'b in']);
    });

    it('gives a queued trial to exactly one of two agents', async () => {
      const { a, b } = await two();
      const sweep = await a.createSweep({ config: sweepConfig(), configYaml: '' });
      const t = await a.createTrial({ sweepId: sweep.id, number: 0, params: {}, config: runConfig(), seed: 0 });
      const leases = await Promise.all(
        [a, b, a, b].map((s, i) => s.updateTrial(t.id, { status: 'running', worker: `agent-${i}` }, { expectStatus: ['queued'] })),
      );
      expect(leases.filter((l) => l !== null)).toHaveLength(1);
    });

    it('runs a read-only store in read-only transactions', async () => {
      const { a, url } = await two();
      const sweep = await a.createSweep({ config: sweepConfig(), configYaml: '' });
      const reader = await openStore(url, { readonly: true });
      stores.push(reader);
      expect((await reader.getSweep(sweep.id))?.id).toBe(sweep.id);
      await expect(openStore(schemaUrl('tunelab_test_never_made'), { readonly: true })).rejects.toThrow(/open it once as a writer/);
    });
  });
}
