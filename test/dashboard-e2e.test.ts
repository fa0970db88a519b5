import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { buildUi, startDashboard, UI_DIST, type RunningDashboard } from '@tunelab/dashboard';
import { fakeGenerator, makeFixture, type Fixture } from '@tunelab/dashboard/testing';

/**
 * The dashboard end to end in real headless Chromium: the built UI served by the real server on a real
 * SQLite store; see the trials and a learning curve, generate a tune from a checkpoint and see abcjs draw
 * it, promote the checkpoint and see the champion mark. Tunes come from a model-free generator until
 * @tunelab/model can sample; scoring is the real one (@tunelab/eval).
 */

const ARTIFACTS = resolve(import.meta.dirname, '..', 'test-artifacts');

let fixture: Fixture;
let dashboard: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  await buildUi();
  fixture = await makeFixture({ trials: 8, points: 30 });
  dashboard = await startDashboard({ home: fixture.home, port: 0, overrides: { generator: fakeGenerator() } });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await fixture?.cleanup();
});

describe('dashboard in Chromium', () => {
  test('the built UI is a production build (vitest runs with NODE_ENV=test)', () => {
    const js = readdirSync(join(UI_DIST, 'assets')).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    for (const f of js) expect(readFileSync(join(UI_DIST, 'assets', f), 'utf8')).not.toContain('jsxDEV');
  });

  test('trials and curves → generate → notation → promote → champion mark', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    const t0 = Date.now();
    await page.goto(`${dashboard.url}/#/sweeps/${fixture.sweepId}`);
    await page.waitForSelector('[data-testid=trials-table] tbody tr');
    await page.waitForSelector('[data-testid=curves] path.recharts-line-curve');
    const usableMs = Date.now() - t0;
    expect(await page.locator('[data-testid=trials-table] tbody tr').count()).toBe(8);
    expect(await page.locator('[data-testid=trials-table] tbody tr.status-failed').count()).toBe(1);
    expect(await page.locator('[data-testid=curves] path.recharts-line-curve').count()).toBe(5);
    expect(usableMs).toBeLessThan(10_000);

    // A trial page: its checkpoints; generate from one.
    const trialId = fixture.trialIds[0];
    await page.click(`[data-trial="${trialId}"] a`);
    await page.waitForSelector('[data-testid=checkpoints] tbody tr');
    const checkpointId = `${trialId}-e007`;
    const row = page.locator(`tr[data-checkpoint="${checkpointId}"]`);
    await row.getByRole('button', { name: '♪ generate' }).click();
    await page.getByLabel('temperature').fill('0.9');
    await page.getByLabel('seed').fill('7');
    expect(await page.getByLabel('constrain').inputValue()).toBe('meter');
    await page.getByLabel('constrain').selectOption('syntax');
    // The kind of tune: the meters of the checkpoint's corpus (jigs: 6/8 first, a few in 4/4), 6/8 chosen.
    await page.locator('select[aria-label=meter] option[value="4/4"]').waitFor({ state: 'attached' });
    expect(await page.getByLabel('meter').inputValue()).toBe('6/8');
    expect(await page.locator('select[aria-label=meter] option').first().textContent()).toMatch(/^6\/8 jigs/);
    await page.getByLabel('meter').selectOption('4/4');
    await page.locator('[data-testid=generate-panel] button[type=submit]').click();
    const notation = page.locator('[data-testid=tune] [data-testid=tune-notation] svg').first();
    await notation.waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid=tune] [data-testid=tune-notation] svg path').count()).toBeGreaterThan(20);
    expect(await page.locator('[data-testid=scores]').first().textContent()).toMatch(/valid ABC/);
    // The model-free generator reports 0.5% masked in syntax mode; the setting is shown with the tune.
    expect(await page.locator('[data-testid=masked-mass]').first().textContent()).toBe('masked 0.5% per symbol');
    expect(await page.locator('[data-testid=tune] header').first().textContent()).toMatch(/constrain syntax, meter 4\/4/);

    // Play and stop (abcjs's synth, or plain tones when its sound font cannot be fetched offline).
    const tune = page.locator('[data-testid=tune]').first();
    await tune.getByRole('button', { name: '▶ play' }).click();
    await tune.getByRole('button', { name: '■ stop' }).waitFor({ timeout: 15_000 });
    await tune.getByRole('button', { name: '■ stop' }).click();
    await tune.getByRole('button', { name: '▶ play' }).waitFor();

    // The sample downloads as ABC from the server.
    const abcHref = await page.locator('[data-testid=tune] a', { hasText: '.abc' }).first().getAttribute('href');
    const abc = await page.evaluate(async (href) => (await fetch(href!)).text(), abcHref);
    expect(abc).toMatch(/^X:1\nT:Sample 7 at T=0.9\nM:4\/4\n/);

    // Promote it: the champion mark appears on the checkpoint and in the header.
    await row.getByRole('button', { name: '★ promote' }).click();
    await page.getByLabel('note').fill('e2e champion');
    await page.locator('[data-testid=promote-form] button[type=submit]').click();
    await page.waitForSelector('[data-testid=header-champion]');
    expect(await page.locator('[data-testid=header-champion]').textContent()).toBe(`★ champion: ${checkpointId}`);
    await row.locator('[data-testid=alias-mark]').waitFor();
    expect(await row.locator('[data-testid=alias-mark]').textContent()).toBe('★ champion');
    expect((await fixture.store.getAlias('champion'))?.current?.checkpointId).toBe(checkpointId);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-e2e.png'), fullPage: true });

    // Back on the sweep page, the champion trial is marked in the table.
    await page.goto(`${dashboard.url}/#/sweeps/${fixture.sweepId}`);
    await page.locator(`[data-trial="${trialId}"] [data-testid=alias-mark]`).waitFor();
    expect(errors).toEqual([]);
  }, 90_000);
});
