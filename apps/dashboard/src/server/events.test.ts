import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore, type Store } from '@tunelab/store';
import { makeFixture, type Fixture } from '../../testing/fixture';
import { startDashboard, type RunningDashboard } from './server';
import { buildApp } from './app';

/**
 * The live feed over a real socket, read as a browser's EventSource reads it: events arrive while the
 * connection stays open, as the store changes underneath (written through the fixture's writable
 * connection, as a sweeper writes).
 */

let f: Fixture;
let dash: RunningDashboard;

beforeAll(async () => {
  // Five trials: 0, 1 completed, 2 failed, 3 pruned, 4 running (6 of 20 epochs written).
  f = await makeFixture({ trials: 5, points: 12, running: true });
  dash = await startDashboard({ home: f.home, port: 0, uiDir: null, overrides: { events: { intervalMs: 50 } } });
});

afterAll(async () => {
  await dash?.close();
  await f?.cleanup();
});

interface Sse {
  event: string;
  data: any;
}

/** Opens the stream and collects its events; `until` waits for one matching. */
async function follow(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: Sse[] = [];
  const waiters: { match: (e: Sse) => boolean; resolve: (e: Sse) => void }[] = [];
  let ended = false;
  const done = (async () => {
    if (!res.ok || !res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || data === undefined) continue;
          const e = { event, data: JSON.parse(data) };
          events.push(e);
          for (const w of waiters.splice(0)) {
            if (w.match(e)) w.resolve(e);
            else waiters.push(w);
          }
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  const until = (match: (e: Sse) => boolean, ms = 5000) =>
    new Promise<Sse>((resolve, reject) => {
      const found = events.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no such event within ${ms} ms; got ${events.map((e) => e.event).join(', ')}`)), ms);
      waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  return { res, events, until, done, ended: () => ended, close: () => controller.abort() };
}

describe('GET /api/sweeps/:id/events', () => {
  test('hello with the running trial’s epoch, then its new points, epoch, status and the sweep’s end as they happen', async () => {
    const running = f.trialIds[4];
    const s = await follow(`${dash.url}/api/sweeps/${f.sweepId}/events`);
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // The guards' headers ride along, as on every route.
    expect(s.res.headers.get('x-frame-options')).toBe('DENY');
    const hello = await s.until((e) => e.event === 'hello');
    // The fixture's running trial wrote 6 of its 20 configured epochs.
    expect(hello.data).toMatchObject({ sweepId: f.sweepId, status: 'running', progress: { [running]: { epoch: 6, epochs: 20 } } });
    expect(Object.keys(hello.data.progress)).toEqual([running]);

    // Epoch 7 lands: its points (every metric), then the trial's new epoch.
    await f.store.appendMetrics(['loss', 'val_loss', 'val_accuracy'].map((name, k) => ({ trialId: running, name, step: 7, value: 1 + k / 10 })));
    const points = await s.until((e) => e.event === 'metrics');
    // Only the new step: the page already has the older ones.
    expect(points.data).toEqual({ trialId: running, series: { loss: [[7, 1]], val_accuracy: [[7, 1.2]], val_loss: [[7, 1.1]] } });
    const moved = await s.until((e) => e.event === 'trial' && e.data.progress?.epoch === 7);
    expect(moved.data.trial).toMatchObject({ id: running, status: 'running' });
    expect(moved.data.progress).toEqual({ epoch: 7, epochs: 20 });

    // The trial completes with a new best; the sweep completes: counts change, then the stream ends.
    await f.store.updateTrial(running, { status: 'completed', bestValue: 0.5, bestStep: 7 });
    const finished = await s.until((e) => e.event === 'trial' && e.data.trial.status === 'completed');
    expect(finished.data.trial).toMatchObject({ id: running, bestValue: 0.5, bestStep: 7 });
    expect(finished.data.progress).toEqual({ epoch: 7, epochs: 20 });
    await f.store.updateSweepStatus(f.sweepId, 'completed');
    const sweep = await s.until((e) => e.event === 'sweep' && e.data.status === 'completed');
    expect(sweep.data.counts).toMatchObject({ running: 0, completed: 3, failed: 1, pruned: 1 });
    expect(sweep.data.best).toEqual({ trialId: running, value: 0.5 });
    await s.until((e) => e.event === 'end');
    await s.done;
    expect(s.ended()).toBe(true);
    // Nothing was sent twice: one metrics event, and the completed trial once.
    expect(s.events.filter((e) => e.event === 'metrics')).toHaveLength(1);
    expect(s.events.filter((e) => e.event === 'trial' && e.data.trial.status === 'completed')).toHaveLength(1);
  });

  test('another Host is refused (421) before any stream opens; an unknown sweep is a 404 in JSON', async () => {
    const { port } = new URL(dash.url);
    // fetch() will not send another Host; node:http will, as a rebound DNS name would.
    const foreign = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/api/sweeps/${f.sweepId}/events`, headers: { host: `attacker.example:${port}` } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']) });
      });
      req.on('error', reject);
      req.end();
    });
    expect(foreign).toEqual({ status: 421, type: expect.stringMatching(/json/) });
    const missing = await fetch(`${dash.url}/api/sweeps/sw-nope/events`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'No sweep sw-nope', where: 'params.id' });
  });
});

describe('events route without a socket', () => {
  let reader: Store;
  test('documented in /docs/json as text/event-stream; an open stream does not hold close() up', async () => {
    const g = await makeFixture({ trials: 2, points: 4, running: true });
    reader = await openStore({ home: g.home }, { readonly: true });
    const app = await buildApp({ reader, uiDir: null, events: { intervalMs: 20 } });
    try {
      const doc = (await app.inject('/docs/json')).json();
      const op = doc.paths['/api/sweeps/{id}/events'].get;
      expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
      expect(JSON.stringify(op.responses['200'].content['text/event-stream'].schema)).toMatch(/progress/);
      // inject resolves only when the stream ends: the sweep finishing ends it.
      const answer = app.inject(`/api/sweeps/${g.sweepId}/events`);
      await new Promise((r) => setTimeout(r, 100));
      await g.store.updateTrial(g.trialIds[1], { status: 'completed' });
      await g.store.updateSweepStatus(g.sweepId, 'completed');
      const body = (await answer).body;
      expect(body.match(/^event: \w+/gm)).toEqual(['event: hello', 'event: trial', 'event: sweep', 'event: end']);
    } finally {
      await app.close();
      await reader.close();
      await g.cleanup();
    }
  });
});
