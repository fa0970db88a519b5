import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { buildUi, startDashboard, type RunningDashboard } from '@tunelab/dashboard';
import { fakeGenerator, makeFixture, type Fixture } from '@tunelab/dashboard/testing';

/**
 * The live sweep page in real headless Chromium: the real server follows a real SQLite store for the page
 * (Server-Sent Events), and the test writes to the store underneath through @tunelab/store's API, as a
 * sweeper does. The page shows the running trial's epoch, grows its curve, and sees it and the sweep finish,
 * all without reloading and without polling.
 */

const SHOTS = process.env.TUNELAB_SCREENSHOTS ?? '/tmp';

let fixture: Fixture;
let dashboard: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  await buildUi();
  // Trials 0, 1 completed, 2 failed, 3 pruned, 4 running with 6 of its 20 epochs written.
  fixture = await makeFixture({ trials: 5, points: 12, running: true });
  dashboard = await startDashboard({ home: fixture.home, port: 0, overrides: { generator: fakeGenerator(), events: { intervalMs: 200 } } });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await fixture?.cleanup();
});

describe('live sweep page in Chromium', () => {
  test('epoch progress, new points, a finished trial and the finished sweep arrive without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const running = fixture.trialIds[4];
    const row = page.locator(`[data-testid=trials-table] tr[data-trial="${running}"]`);

    await page.goto(`${dashboard.url}/#/sweeps/${fixture.sweepId}`);
    const panel = page.getByTestId('running-trials');
    await panel.getByText('epoch 6 of 20').waitFor();
    expect(await panel.getByRole('progressbar').getAttribute('value')).toBe('6');
    expect(await row.getByTestId('trial-progress').textContent()).toMatch(/epoch 6 of 20/);
    await page.waitForFunction(() => /^5 curves, \d+ points$/.test(document.querySelector('[data-testid=curve-count]')?.textContent ?? ''));
    const pointsBefore = Number(/(\d+) points/.exec((await page.getByTestId('curve-count').textContent())!)![1]);
    // A mark on the window: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { marked: boolean }).marked = true));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));

    // Epochs 7 and 8 land in the store.
    for (const step of [7, 8]) {
      await fixture.store.appendMetrics(['loss', 'val_loss', 'val_accuracy'].map((name) => ({ trialId: running, name, step, value: 1.2 - step / 100 })));
      await panel.getByText(`epoch ${step} of 20`).waitFor();
    }
    await page.waitForFunction((n) => document.querySelector('[data-testid=curve-count]')?.textContent === `5 curves, ${n} points`, pointsBefore + 2);
    expect(await row.getByTestId('trial-progress').textContent()).toMatch(/epoch 8 of 20/);
    await page.screenshot({ path: join(SHOTS, 'tunelab-live-sweep.png'), fullPage: true });

    // The trial finishes with a new best, then the sweep.
    await fixture.store.updateTrial(running, { status: 'completed', bestValue: 0.5, bestStep: 8 });
    await page.waitForFunction((id) => document.querySelector(`[data-testid=trials-table] tr[data-trial="${id}"]`)?.className === 'status-completed', running);
    expect(await page.getByTestId('running-trials').count()).toBe(0);
    expect(await row.locator('td').nth(6).textContent()).toBe('0.5');
    await fixture.store.updateSweepStatus(fixture.sweepId, 'completed');
    await page.locator('h1 [data-status=completed]').waitFor();
    expect(await page.locator('.live').count()).toBe(0);
    expect(await page.locator('p', { hasText: 'best 0.5' }).count()).toBe(1);

    expect(await page.evaluate(() => (window as unknown as { marked?: boolean }).marked)).toBe(true);
    // No polling: besides the one event stream, only what an event asked for (the sweep row on change, the
    // catch-up and final reads of the trials and the running trial's points).
    expect(requests.filter((p) => p.endsWith('/trials')).length).toBeLessThanOrEqual(1);
    expect(errors).toEqual([]);
  }, 120_000);
});
