import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../support/chromium';
import { buildUi, startDashboard, type RunningDashboard } from '@tunelab/dashboard';
import { fakeGenerator, makeFixture, type Fixture } from '@tunelab/dashboard/testing';

/**
 * Issue 21, item 4 and the dashboard part of item 8, against the live server (startDashboard on a real
 * port, a real SQLite store): a page on a foreign site or behind a rebound DNS name gets nothing; every
 * answer forbids framing; no 4xx body names a folder on the server's disk.
 */

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request with exactly these headers (fetch will not send a chosen Host). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function post(url: string, body: unknown, headers: Record<string, string>): Promise<RawResponse> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return raw(url, { method: 'POST', body: text, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers } });
}

/** An absolute path of two or more parts (`/tmp/x/y`), not a meter like 6/8 or a field like body.meter. */
const ABSOLUTE_PATH = /(^|[\s'"(=[,])\/[^\s'"/():,]+\/[^\s'"():,]*/;

let f: Fixture;
let dash: RunningDashboard;
let port: string;
let self: string;
const generator = fakeGenerator();
let testLossCalls = 0;

beforeAll(async () => {
  await buildUi();
  f = await makeFixture({ trials: 4, points: 12, testSplit: 0.1 });
  dash = await startDashboard({
    home: f.home,
    port: 0,
    overrides: {
      generator,
      testLoss: async () => {
        testLossCalls++;
        return null;
      },
    },
  });
  port = new URL(dash.url).port;
  self = `127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  await dash?.close();
  await f?.cleanup();
});

const frameHeaders = (r: RawResponse, what: string) => {
  expect(r.headers['x-frame-options'], what).toBe('DENY');
  expect(String(r.headers['content-security-policy']), what).toMatch(/frame-ancestors 'none'/);
};

describe('Host', () => {
  test('a foreign Host (DNS rebinding) gets 421 on the API, the page and the docs, and no data', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `attacker.test:${port}`, `127.0.0.1:${Number(port) + 1}`, `localhost`]) {
      for (const path of ['/api/sweeps', '/', '/docs/json', `/api/trials/${f.trialIds[0]}`]) {
        const r = await raw(`${dash.url}${path}`, { headers: { host } });
        expect([421, 403], `${host} ${path}`).toContain(r.status);
        expect(r.text, `${host} ${path}`).not.toContain(f.sweepId);
      }
    }
  });

  test('the bound names with the port answer: 127.0.0.1, localhost, [::1]', async () => {
    for (const host of [self, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const r = await raw(`${dash.url}/api/sweeps`, { headers: { host } });
      expect(r.status, host).toBe(200);
      expect(r.text).toContain(f.sweepId);
    }
  });

  test('allowedHosts (the CLI’s --allowed-hosts) adds names, with any port or the one given', async () => {
    const other = await startDashboard({ home: f.home, port: 0, allowedHosts: ['dash.example', 'Proxy.Example:8443'], overrides: { generator } });
    try {
      const p = new URL(other.url).port;
      const status = async (host: string) => (await raw(`${other.url}/api/sweeps`, { headers: { host } })).status;
      expect(await status('dash.example')).toBe(200);
      expect(await status(`dash.example:${p}`)).toBe(200);
      expect(await status('proxy.example:8443')).toBe(200);
      expect(await status(`127.0.0.1:${p}`)).toBe(200);
      expect([421, 403]).toContain(await status('proxy.example:9999'));
      expect([421, 403]).toContain(await status('evil.dash.example'));
      expect([421, 403]).toContain(await status(`evil.example:${p}`));
    } finally {
      await other.close();
    }
  });
});

describe('Origin', () => {
  test('a POST from a foreign Origin is 403 before body validation, before any lookup, and writes nothing', async () => {
    const before = await f.store.getAlias('champion');
    const calls = generator.calls;
    for (const origin of ['https://evil.example', 'null', `http://evil.example:${port}`, `http://127.0.0.1:${Number(port) + 1}`, `https://${self}`]) {
      // An invalid body: validation would say 400; the Origin check comes first.
      const invalid = await post(`${dash.url}/api/promote`, { bogus: true }, { host: self, origin });
      expect(invalid.status, origin).toBe(403);
      const garbage = await post(`${dash.url}/api/generate`, '{not json', { host: self, origin });
      expect(garbage.status, origin).toBe(403);
      // A checkpoint that does not exist: a lookup would say 404.
      const missing = await post(`${dash.url}/api/generate`, { checkpointId: 'sw-nope-t000-e001' }, { host: self, origin });
      expect(missing.status, origin).toBe(403);
      // A valid promotion: refused, nothing promoted, no test loss measured.
      const valid = await post(`${dash.url}/api/promote`, { checkpointId: f.checkpointIds[0], note: 'from evil' }, { host: self, origin });
      expect(valid.status, origin).toBe(403);
      expect(valid.text).not.toContain(f.checkpointIds[0]);
    }
    const generate = await post(`${dash.url}/api/generate`, { checkpointId: f.checkpointIds[0], n: 1 }, { host: self, origin: 'https://evil.example' });
    expect(generate.status).toBe(403);
    expect(generator.calls).toBe(calls);
    expect(testLossCalls).toBe(0);
    expect(await f.store.getAlias('champion')).toEqual(before);
    expect(await f.store.listSamples({ checkpointId: f.checkpointIds[0] })).toEqual([]);
  });

  test('same-origin POSTs (and POSTs without Origin, as curl sends them) work', async () => {
    const promoted = await post(`${dash.url}/api/promote`, { checkpointId: f.checkpointIds[1], alias: 'same-origin' }, { host: self, origin: `http://${self}` });
    expect(promoted.status, promoted.text).toBe(200);
    expect(JSON.parse(promoted.text).alias.checkpointId).toBe(f.checkpointIds[1]);
    const viaLocalhost = await post(
      `${dash.url}/api/generate`,
      { checkpointId: f.checkpointIds[1], n: 1, seed: 3 },
      { host: `localhost:${port}`, origin: `http://localhost:${port}` },
    );
    expect(viaLocalhost.status, viaLocalhost.text).toBe(200);
    const curl = await post(`${dash.url}/api/promote`, { checkpointId: f.checkpointIds[2], alias: 'no-origin' }, { host: self });
    expect(curl.status, curl.text).toBe(200);
    // GETs from anywhere still read (a foreign page cannot read the answer without CORS).
    const get = await raw(`${dash.url}/api/sweeps`, { headers: { host: self, origin: 'https://evil.example' } });
    expect(get.status).toBe(200);
  });
});

describe('framing headers', () => {
  test('X-Frame-Options DENY and a CSP with frame-ancestors none on every answer', async () => {
    const h = { host: self };
    frameHeaders(await raw(`${dash.url}/`, { headers: h }), 'GET /');
    frameHeaders(await raw(`${dash.url}/`, { method: 'HEAD', headers: h }), 'HEAD /');
    frameHeaders(await raw(`${dash.url}/index.html`, { headers: h }), 'GET /index.html');
    frameHeaders(await raw(`${dash.url}/api/sweeps`, { headers: h }), 'GET /api/sweeps');
    frameHeaders(await raw(`${dash.url}/api/sweeps`, { method: 'HEAD', headers: h }), 'HEAD /api/sweeps');
    frameHeaders(await raw(`${dash.url}/docs/json`, { headers: h }), 'GET /docs/json');
    const notFound = await raw(`${dash.url}/api/nope`, { headers: h });
    expect(notFound.status).toBe(404);
    frameHeaders(notFound, '404');
    const missing = await raw(`${dash.url}/api/trials/sw-nope-t000`, { headers: h });
    expect(missing.status).toBe(404);
    frameHeaders(missing, '404 from a route');
    const invalid = await post(`${dash.url}/api/promote`, { bogus: 1 }, h);
    expect(invalid.status).toBe(400);
    frameHeaders(invalid, '400');
    const foreignHost = await raw(`${dash.url}/`, { headers: { host: 'evil.example' } });
    frameHeaders(foreignHost, 'foreign Host');
    const foreignOrigin = await post(`${dash.url}/api/promote`, {}, { host: self, origin: 'https://evil.example' });
    frameHeaders(foreignOrigin, 'foreign Origin');
  });

  test('the CSP lets the real page run in Chromium: prefetch script, app, abcjs notation, player', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.addInitScript(() => {
        const w = window as unknown as { __cspViolations: string[] };
        w.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const first = await page.goto(`${dash.url}/#/sweeps/${f.sweepId}`);
      expect(first?.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      await page.waitForSelector('[data-testid=trials-table] tbody tr');
      await page.waitForSelector('[data-testid=curves] path.recharts-line-curve');
      // The inline prefetch script in index.html ran (the CSP allows it by its hash).
      expect(await page.evaluate(() => typeof (window as unknown as { __tunelabPrefetch?: object }).__tunelabPrefetch)).toBe('object');
      await page.click(`[data-trial="${f.trialIds[0]}"] a`);
      await page.waitForSelector('[data-testid=checkpoints] tbody tr');
      const row = page.locator('[data-testid=checkpoints] tbody tr').first();
      await row.getByRole('button', { name: '♪ generate' }).click();
      await page.locator('[data-testid=generate-panel] button[type=submit]').click();
      await page.locator('[data-testid=tune] [data-testid=tune-notation] svg').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-testid=tune] [data-testid=tune-notation] svg path').count()).toBeGreaterThan(20);
      const tune = page.locator('[data-testid=tune]').first();
      await tune.getByRole('button', { name: '▶ play' }).click();
      await tune.getByRole('button', { name: '■ stop' }).waitFor({ timeout: 15_000 });
      await tune.getByRole('button', { name: '■ stop' }).click();
      await page.goto(`${dash.url}/docs`);
      await page.waitForSelector('.swagger-ui .opblock', { timeout: 20_000 });
      expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});

describe('no server paths in 4xx answers', () => {
  test('generate and promote from a checkpoint whose folder is missing or broken name the checkpoint, not its folder', async () => {
    // The real generator and test-loss evaluator (@tunelab/model), as served.
    const real = await startDashboard({ home: f.home, port: 0 });
    try {
      const host = `127.0.0.1:${new URL(real.url).port}`;
      // A checkpoint whose folder exists but holds no valid checkpoint.
      const broken = f.checkpointIds[3];
      const brokenRow = (await f.store.getCheckpoint(broken))!;
      mkdirSync(brokenRow.path!, { recursive: true });
      writeFileSync(join(brokenRow.path!, 'tunelab.json'), '{"format": "nope"}');
      const answers = [
        await post(`${real.url}/api/generate`, { checkpointId: f.checkpointIds[0], n: 1, allowCopies: true }, { host }),
        await post(`${real.url}/api/generate`, { checkpointId: broken, n: 1, allowCopies: true }, { host }),
        await post(`${real.url}/api/promote`, { checkpointId: f.checkpointIds[0], alias: 'leak-check' }, { host }),
        await post(`${real.url}/api/promote`, { checkpointId: broken, alias: 'leak-check' }, { host }),
      ];
      for (const r of answers) {
        expect(r.status, r.text).toBeGreaterThanOrEqual(400);
        expect(r.status, r.text).toBeLessThan(600);
        expect(r.text).not.toContain(f.home);
        expect(r.text).not.toMatch(ABSOLUTE_PATH);
      }
      // At least the 400s say which checkpoint.
      const fourHundreds = answers.filter((r) => r.status === 400);
      expect(fourHundreds.length).toBeGreaterThan(0);
      for (const r of fourHundreds) expect(r.text).toMatch(/checkpoint sw-/);
    } finally {
      await real.close();
    }
  }, 60_000);
});
