import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '@tunelab/store';
import { fakeGenerator, fakeScorer, makeFixture, type Fixture } from '../../testing/fixture';
import { buildApp } from './app';
import { GenerationUnavailable, replyError, type TuneGenerator } from './generation';
import { findAbc2midi } from '@tunelab/eval';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { evalScorer } from './scoring';

let f: Fixture;
let reader: Store;
let app: FastifyInstance;
const generator = fakeGenerator();

beforeAll(async () => {
  f = await makeFixture({ trials: 6, points: 40 });
  // As served: GETs on a read-only connection, writes through the fixture's writable one.
  reader = await openStore({ home: f.home }, { readonly: true });
  app = await buildApp({ reader, writer: async () => f.store, generator, scorer: fakeScorer(), uiDir: null });
});

afterAll(async () => {
  await app?.close();
  await reader?.close();
  await f?.cleanup();
});

const get = async (url: string) => {
  const r = await app.inject(url);
  return { status: r.statusCode, body: r.json(), text: r.body };
};
const post = async (url: string, payload: object) => {
  const r = await app.inject({ method: 'POST', url, payload });
  return { status: r.statusCode, body: r.json(), text: r.body };
};

describe('sweeps and trials', () => {
  test('GET /api/sweeps lists the sweep with counts and its best trial', async () => {
    const { status, body } = await get('/api/sweeps');
    expect(status).toBe(200);
    expect(body.sweeps).toHaveLength(1);
    const s = body.sweeps[0];
    expect(s.id).toBe(f.sweepId);
    expect(s.counts).toMatchObject({ completed: 4, failed: 1, pruned: 1 });
    expect(s.best.trialId).toMatch(new RegExp(`^${f.sweepId}-t`));
  });

  test('GET /api/sweeps/:id gives parameters and metric names, the sweep metric first', async () => {
    const { body } = await get(`/api/sweeps/${f.sweepId}`);
    expect(body.parameters).toEqual(['train.optimizer.lr', 'model.layers']);
    expect(body.metricNames[0]).toBe('val_loss');
    expect(body.metricNames).toEqual(expect.arrayContaining(['loss', 'val_accuracy']));
  });

  test('trials sort by best, filter by status, page, and say why a trial failed', async () => {
    const best = (await get(`/api/sweeps/${f.sweepId}/trials?sort=best`)).body;
    const values = best.trials.map((t: { bestValue: number }) => t.bestValue);
    expect(values).toEqual([...values].sort((a: number, b: number) => a - b));
    expect(best.total).toBe(6);
    const failed = (await get(`/api/sweeps/${f.sweepId}/trials?status=failed,pruned`)).body;
    expect(failed.total).toBe(2);
    expect(failed.trials.find((t: { status: string }) => t.status === 'failed').failureReason).toMatch(/NaN/);
    const top = best.trials[0];
    expect(top.bestMetrics.val_loss).toBeCloseTo(top.bestValue);
    const page = (await get(`/api/sweeps/${f.sweepId}/trials?limit=2&offset=4`)).body;
    expect(page.trials.map((t: { number: number }) => t.number)).toEqual([4, 5]);
    expect(page.total).toBe(6);
  });

  test('GET /api/trials/:id has the config and the log tail', async () => {
    const { body } = await get(`/api/trials/${f.trialIds[2]}`);
    expect(body.status).toBe('failed');
    expect(body.config.model.layers).toBeDefined();
    expect(body.logTail).toMatch(/loss became NaN/);
    expect(body.metricName).toBe('val_loss');
  });

  test('metrics downsample long series and return only newer steps with after', async () => {
    const all = (await get(`/api/trials/${f.trialIds[0]}/metrics?names=val_loss,loss&maxPoints=10`)).body.series;
    expect(Object.keys(all).sort()).toEqual(['loss', 'val_loss']);
    expect(all.val_loss.length).toBeLessThanOrEqual(10);
    expect(all.val_loss.at(-1)[0]).toBe(40);
    const fresh = (await get(`/api/trials/${f.trialIds[0]}/metrics?names=val_loss&after=37`)).body.series;
    expect(fresh.val_loss.map((p: number[]) => p[0])).toEqual([38, 39, 40]);
  });

  test('series of many trials for overlaid curves', async () => {
    const ids = f.trialIds.slice(0, 3).join(',');
    const { body } = await get(`/api/sweeps/${f.sweepId}/series?name=val_loss&trialIds=${ids}&maxPoints=20`);
    expect(Object.keys(body.series).sort()).toEqual(f.trialIds.slice(0, 3).sort());
    expect(body.series[f.trialIds[0]].length).toBeLessThanOrEqual(20);
    expect(body.series[f.trialIds[2]].length).toBe(3); // the failed trial stopped at epoch 3
  });

  test('checkpoints carry metrics, never a path', async () => {
    const { body, text } = await get(`/api/trials/${f.trialIds[0]}/checkpoints`);
    expect(body.checkpoints.length).toBeGreaterThan(1);
    expect(body.checkpoints[0]).not.toHaveProperty('path');
    expect(body.checkpoints[0].metrics.val_loss).toBeTypeOf('number');
    expect(text).not.toContain(f.home);
  });
});

describe('a running sweep is never blocked', () => {
  test('reads answer while the sweeper holds the write lock, and take no lock the sweeper waits on', async () => {
    const seen: number[] = [];
    await f.store.withSweepLock(f.sweepId, async (tx) => {
      // The sweeper is mid-transaction (BEGIN IMMEDIATE holds SQLite's write lock).
      await tx.appendMetrics([{ trialId: f.trialIds[0], name: 'val_loss', step: 1000, value: 1 }]);
      const t0 = performance.now();
      const r = await app.inject(`/api/sweeps/${f.sweepId}/trials`);
      seen.push(r.statusCode, performance.now() - t0);
      // Uncommitted rows are not visible to the dashboard.
      const m = (await get(`/api/trials/${f.trialIds[0]}/metrics?names=val_loss&after=999`)).body.series;
      seen.push(m.val_loss?.length ?? 0);
    });
    expect(seen[0]).toBe(200);
    expect(seen[1]).toBeLessThan(1000); // far below the 5 s busy timeout: it did not wait for the lock
    expect(seen[2]).toBe(0);
    const after = (await get(`/api/trials/${f.trialIds[0]}/metrics?names=val_loss&after=999`)).body.series;
    expect(after.val_loss).toEqual([[1000, 1]]);
  });
});

describe('bad input is a 400 that names the field; unknown things are 404', () => {
  test.each([
    ['/api/sweeps/x/trials?limit=0', 'query.limit'],
    ['/api/sweeps/x/trials?sort=fastest', 'query.sort'],
    [`/api/trials/..%2F..%2Fetc/metrics`, 'params.id'],
    ['/api/trials/x/metrics?after=abc', 'query.after'],
    ['/api/sweeps/x/series', 'query.name'],
  ])('GET %s → 400 at %s', async (url, where) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(body.where).toBe(where);
  });

  test('an unknown status in the filter names query.status', async () => {
    const { status, body } = await get(`/api/sweeps/${f.sweepId}/trials?status=done`);
    expect(status).toBe(400);
    expect(body.where).toBe('query.status');
  });

  test('unknown sweep, trial, alias → 404', async () => {
    expect((await get('/api/sweeps/sw-nope')).status).toBe(404);
    expect((await get('/api/trials/sw-nope-t000')).status).toBe(404);
    expect((await get('/api/aliases/nope')).status).toBe(404);
  });

  test.each([
    [{ n: 1 }, 'body.checkpointId'],
    [{ checkpointId: 'c', n: 11 }, 'body.n'],
    [{ checkpointId: 'c', temperature: 0 }, 'body.temperature'],
    [{ checkpointId: 'c', topP: 1.5 }, 'body.topP'],
    [{ checkpointId: 'c', maxLength: 100000 }, 'body.maxLength'],
    [{ checkpointId: '/etc/passwd' }, 'body.checkpointId'],
    [{ checkpointId: 'c', constrain: 'bars' }, 'body.constrain'],
    [{ checkpointId: 'c', constrain: null }, 'body.constrain'],
    [{ checkpointId: 'c', allowCopies: 'yes' }, 'body.allowCopies'],
    [{ checkpointId: 'c', meter: 'jig' }, 'body.meter'],
    [{ checkpointId: 'c', meter: '6/0' }, 'body.meter'],
    [{ checkpointId: 'c', meter: 68 }, 'body.meter'],
    [{ checkpointId: 'c', meter: 'none' }, 'body.meter'],
  ])('POST /api/generate %j → 400 at %s', async (payload, where) => {
    const { status, body } = await post('/api/generate', payload);
    expect(status).toBe(400);
    expect(body.where).toBe(where);
  });

  test('a bad constrain value is named with the values it may take', async () => {
    const { body } = await post('/api/generate', { checkpointId: 'c', constrain: 'bars' });
    expect(body.error).toBe('body.constrain must be equal to one of the allowed values: meter, syntax, off');
  });

  test('a checkpoint that does not exist → 404 naming body.checkpointId', async () => {
    const { status, body } = await post('/api/generate', { checkpointId: 'sw-x-t000-e001' });
    expect(status).toBe(404);
    expect(body.where).toBe('body.checkpointId');
  });
});

describe('generate and samples', () => {
  test('generate stores scored samples; they download as .abc (and .mid through abc2midi)', async () => {
    const before = generator.calls;
    const { status, body } = await post('/api/generate', { checkpointId: f.checkpointIds[0], n: 2, temperature: 0.8, seed: 5, prime: '' });
    expect(status).toBe(200);
    expect(generator.calls).toBe(before + 1);
    expect(body.samples).toHaveLength(2);
    expect(body.samples[0].settings).toMatchObject({ temperature: 0.8, seed: 5, maxLength: 600, constrain: 'meter', allowCopies: false });
    expect(body.samples[1].settings.seed).toBe(6);
    expect(body.samples[0].eval).toMatchObject({ valid: true, maskedMassMean: 0.01, maskedMassMax: 0.04, redraws: 0 });
    const id = body.samples[0].id;

    const abc = await app.inject(`/api/samples/${id}.abc`);
    expect(abc.statusCode).toBe(200);
    expect(abc.headers['content-type']).toMatch(/text\/vnd\.abc/);
    expect(abc.body).toMatch(/^X:1\nT:Sample 5 at T=0.8/);

    const listed = (await get(`/api/samples?checkpointId=${f.checkpointIds[0]}`)).body.samples;
    expect(listed.map((s: { id: string }) => s.id)).toContain(id);

    const mid = await app.inject(`/api/samples/${id}.mid`);
    if (await findAbc2midi()) {
      expect(mid.statusCode).toBe(200);
      expect(mid.headers['content-type']).toBe('audio/midi');
      expect(mid.rawPayload.subarray(0, 4).toString('latin1')).toBe('MThd');
    } else {
      expect(mid.statusCode).toBe(501);
    }
    expect((await app.inject(`/api/samples/${id}.wav`)).statusCode).toBe(400);
    expect((await app.inject('/api/samples/sa-missing.abc')).statusCode).toBe(404);
  });

  test('constrain and allowCopies reach the generator and are stored with each sample, with its masked mass', async () => {
    const { status, body } = await post('/api/generate', { checkpointId: f.checkpointIds[0], n: 1, seed: 9, constrain: 'off', allowCopies: true });
    expect(status).toBe(200);
    expect(body.samples[0].settings).toMatchObject({ constrain: 'off', allowCopies: true });
    expect(body.samples[0].eval).toMatchObject({ maskedMassMean: 0, redraws: 0 });
    const listed = (await get(`/api/samples?checkpointId=${f.checkpointIds[0]}`)).body.samples as { id: string; settings: object; eval: object }[];
    expect(listed.find((s) => s.id === body.samples[0].id)).toMatchObject({ settings: { constrain: 'off', allowCopies: true }, eval: { maskedMassMean: 0 } });
  });

  test('meter and prime reach the generator and are stored with each sample; the prime the sampler refuses is a 400 at body.prime', async () => {
    const calls: { meter: string | null; prime: string | null }[] = [];
    const recording: TuneGenerator = {
      generate: async (job) => {
        calls.push({ meter: job.settings.meter, prime: job.settings.prime });
        return generator.generate(job);
      },
    };
    const a = await buildApp({ reader, writer: async () => f.store, generator: recording, scorer: fakeScorer(), uiDir: null });
    const r = await a.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0], n: 1, seed: 3, meter: ' 3 / 4', prime: 'X:1\nT:Waltz\n' } });
    expect(r.statusCode, r.body).toBe(200);
    expect(calls).toEqual([{ meter: '3/4', prime: 'X:1\nT:Waltz\n' }]);
    const [s] = r.json().samples;
    expect(s.settings).toMatchObject({ meter: '3/4', prime: 'X:1\nT:Waltz\n' });
    expect(s.abc).toMatch(/^M:3\/4$/m);
    // No meter: the model's choice, stored as null.
    const free = await a.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0], n: 1, seed: 3, meter: null } });
    expect(free.json().samples[0].settings.meter).toBeNull();
    expect(calls[1].meter).toBeNull();
    await a.close();

    // What the worker replies when the sampler refuses a prime (an InputError at `prime`).
    const refused = 'prime: the prime cannot start a tune the checker accepts (constrain: meter, meter 6/8): line 2: M:4 is not the meter chosen for this tune (M:6/8), at character 7';
    const failing: TuneGenerator = {
      generate: async () => {
        throw replyError({ id: 1, error: refused, userError: true, where: 'prime' });
      },
    };
    const b = await buildApp({ reader, writer: async () => f.store, generator: failing, scorer: fakeScorer(), uiDir: null });
    const r2 = await b.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0], meter: '6/8', prime: 'X:1\nM:4/4\n' } });
    expect(r2.statusCode).toBe(400);
    expect(r2.json()).toEqual({ error: refused, where: 'body.prime' });
    await b.close();
  });

  test('GET /api/checkpoints/:id/meters: the fixed Nottingham list (6/8 jigs first) when the run’s corpus cannot be counted', async () => {
    const { status, body } = await get(`/api/checkpoints/${f.checkpointIds[0]}/meters`);
    expect(status).toBe(200);
    expect(body.source).toBe('nottingham');
    expect(body.default).toBe('6/8');
    expect(body.meters.slice(0, 3)).toEqual([
      { meter: '6/8', label: 'jigs', tunes: null },
      { meter: '4/4', label: 'reels & hornpipes', tunes: null },
      { meter: '3/4', label: 'waltzes', tunes: null },
    ]);
    expect((await get('/api/checkpoints/sw-x-t000-e001/meters')).status).toBe(404);
  });

  // Tests only: CI sets TUNELAB_DATA_DIR; the shared copy is the fallback on the development machine.
  const dataDir = [process.env.TUNELAB_DATA_DIR, '/work/shared/data/nottingham'].find((d): d is string => !!d && existsSync(join(d, 'jigs.abc')));
  test.skipIf(!dataDir)('GET /api/checkpoints/:id/meters counts the meters of the run’s training tunes (the fixture trained on jigs; needs the Nottingham data)', async () => {
    const saved = process.env.TUNELAB_DATA_DIR;
    process.env.TUNELAB_DATA_DIR = dataDir;
    const a = await buildApp({ reader, writer: async () => f.store, generator, scorer: evalScorer({ abc2midi: false }), uiDir: null });
    try {
      const body = (await a.inject(`/api/checkpoints/${f.checkpointIds[0]}/meters`)).json();
      expect(body.source).toBe('corpus');
      expect(body.default).toBe('6/8');
      expect(body.meters[0]).toMatchObject({ meter: '6/8', label: 'jigs' });
      // jigs.abc holds 341 tunes in 6/8 and a few others (4/4 among them); the split keeps most for training.
      expect(body.meters[0].tunes).toBeGreaterThan(250);
      expect(body.meters[0].tunes).toBeLessThan(341);
      expect(body.meters.map((m: { meter: string }) => m.meter)).toContain('4/4');
    } finally {
      await a.close();
      if (saved === undefined) delete process.env.TUNELAB_DATA_DIR;
      else process.env.TUNELAB_DATA_DIR = saved;
    }
  });

  test("the sampling worker's failures: only copies → 422 at body.allowCopies; no training tunes → 501", async () => {
    // What modelGenerator rejects with when the worker replies with these errors.
    const failing = (reply: Parameters<typeof replyError>[0]): TuneGenerator => ({
      generate: async () => {
        throw replyError(reply);
      },
    });
    const copies = 'tune 1 of 1: 5 draws in a row were copies of training tunes (≥80% of the body as one span of jigs.abc#3); refusing to hand out a copy';
    const a = await buildApp({ reader, writer: async () => f.store, generator: failing({ id: 1, error: copies, userError: false, kind: 'copies' }), scorer: fakeScorer(), uiDir: null });
    const r = await a.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0] } });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toEqual({ where: 'body.allowCopies', error: `${copies}; tick "allow copies" (allowCopies: true) to accept them` });
    await a.close();

    const noData = 'cannot refuse copies: the training tunes of this checkpoint\'s run cannot be loaded (no data)';
    const b = await buildApp({ reader, writer: async () => f.store, generator: failing({ id: 1, error: noData, userError: false, kind: 'no-reference' }), scorer: fakeScorer(), uiDir: null });
    const r2 = await b.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0] } });
    expect(r2.statusCode).toBe(501);
    expect(r2.json().error).toMatch(/cannot be loaded \(no data\); tick "allow copies"/);
    await b.close();
  });

  test('a build without a sampler answers 501 with a plain message', async () => {
    const none: TuneGenerator = {
      generate: async () => {
        throw new GenerationUnavailable('This build of tunelab cannot sample yet');
      },
    };
    const a = await buildApp({ reader, writer: async () => f.store, generator: none, scorer: fakeScorer(), uiDir: null });
    const r = await a.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0] } });
    expect(r.statusCode).toBe(501);
    expect(r.json().error).toMatch(/cannot sample/);
    await a.close();
  });

  test('a crash in the generator is a 500 that reveals nothing internal', async () => {
    const broken: TuneGenerator = {
      generate: async () => {
        throw new Error(`ENOENT: no such file ${f.home}/checkpoints/secret/model.json`);
      },
    };
    const a = await buildApp({ reader, writer: async () => f.store, generator: broken, scorer: fakeScorer(), uiDir: null });
    const r = await a.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0] } });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ error: 'Internal error' });
    await a.close();
  });

  test('generation is queued: a full queue answers 503 and a slow job is stopped at its deadline', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: TuneGenerator = {
      generate: async (job) => {
        await Promise.race([gate, new Promise((r) => job.signal.addEventListener('abort', r))]);
        return [{ text: 'X:1\nT:slow\nM:6/8\nL:1/8\nK:D\nABc def|\n', maskedMassMean: 0, maskedMassMax: 0, redraws: 0 }];
      },
    };
    const a = await buildApp({ reader, writer: async () => f.store, generator: slow, scorer: fakeScorer(), uiDir: null, queue: { concurrency: 1, maxWaiting: 1, timeoutMs: 30_000 } });
    const req = () => a.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0] } });
    const first = req();
    const second = req();
    await new Promise((r) => setTimeout(r, 50));
    const third = await req();
    expect(third.statusCode).toBe(503);
    release();
    expect((await first).statusCode).toBe(200);
    expect((await second).statusCode).toBe(200);
    await a.close();

    const never: TuneGenerator = { generate: (job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(new Error('aborted')))) };
    const b = await buildApp({ reader, writer: async () => f.store, generator: never, scorer: fakeScorer(), uiDir: null, queue: { timeoutMs: 100 } });
    const late = await b.inject({ method: 'POST', url: '/api/generate', payload: { checkpointId: f.checkpointIds[0] } });
    expect(late.statusCode).toBe(503);
    expect(late.json().error).toMatch(/longer than/);
    await b.close();
  });
});

describe('promote and aliases', () => {
  test('promote makes a champion with history; checkpoints and aliases show it', async () => {
    const first = await post('/api/promote', { checkpointId: f.checkpointIds[0], note: 'first try' });
    expect(first.status).toBe(200);
    expect(first.body.alias).toMatchObject({ alias: 'champion', version: 1, note: 'first try', trialId: f.trialIds[0], sweepId: f.sweepId });
    expect(first.body.testLoss).toBeNull();
    expect(first.body.testLossNote).toMatch(/no test split/);
    const second = await post('/api/promote', { checkpointId: f.checkpointIds[1], alias: 'champion' });
    expect(second.body.alias.version).toBe(2);

    const detail = (await get('/api/aliases/champion')).body;
    expect(detail.current.checkpointId).toBe(f.checkpointIds[1]);
    expect(detail.history.map((h: { version: number }) => h.version)).toEqual([2, 1]);
    expect((await get('/api/aliases')).body.aliases.map((a: { alias: string }) => a.alias)).toEqual(['champion']);

    const cps = (await get(`/api/trials/${f.trialIds[0]}/checkpoints`)).body.checkpoints;
    const marked = cps.filter((c: { aliases: string[] }) => c.aliases.includes('champion')).map((c: { id: string }) => c.id);
    expect(marked).toEqual([f.checkpointIds[1]]);
  });

  test('bad alias names and unknown checkpoints are refused', async () => {
    const bad = await post('/api/promote', { checkpointId: f.checkpointIds[0], alias: 'no spaces' });
    expect(bad.status).toBe(400);
    expect(bad.body.where).toBe('body.alias');
    const missing = await post('/api/promote', { checkpointId: 'sw-x-t000-e001' });
    expect(missing.status).toBe(404);
    expect(missing.body.where).toBe('body.checkpointId');
  });
});

describe('OpenAPI', () => {
  test('/docs/json documents every route with its schemas; /docs serves the UI', async () => {
    const doc = (await get('/docs/json')).body;
    for (const path of [
      '/api/sweeps',
      '/api/sweeps/{id}',
      '/api/sweeps/{id}/trials',
      '/api/sweeps/{id}/series',
      '/api/trials/{id}',
      '/api/trials/{id}/metrics',
      '/api/trials/{id}/checkpoints',
      '/api/generate',
      '/api/samples/{id}',
      '/api/checkpoints/{id}/meters',
      '/api/promote',
      '/api/aliases',
      '/api/aliases/{alias}',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(doc.paths['/api/generate'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('temperature');
    expect(doc.paths['/api/generate'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('meter');
    expect((await app.inject('/docs')).statusCode).toBeLessThan(400);
  });
});
