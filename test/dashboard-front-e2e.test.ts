import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { buildUi, startDashboard, type RunningDashboard } from '@tunelab/dashboard';
import { addTwoObjectiveSweep, fakeGenerator, makeFixture, TWO_OBJECTIVE_FRONT, TWO_OBJECTIVE_VECTORS, type Fixture } from '@tunelab/dashboard/testing';

/**
 * Issue 23's dashboard in real headless Chromium: a two-objective sweep (7 completed trials, 1 pruned; the
 * front is trials 0, 1, 3 and 5) served by the real server from a real SQLite store. The sweep page draws
 * the front (dots, the front joined by a line, front members marked in the table) and the importance bars;
 * two ticked trials open the compare view with both trials' parameters, overlaid curves, metrics at the best
 * epoch and one tune per trial (model-free generator, same seed and meter) drawn by abcjs.
 */

/** Screenshots for people to look at; outside the repository. */
const SHOTS = process.env.TUNELAB_SCREENSHOTS ?? '/tmp';

let fixture: Fixture;
let dashboard: RunningDashboard;
let browser: Browser;
let sweep: { sweepId: string; trialIds: string[] };

beforeAll(async () => {
  await buildUi();
  fixture = await makeFixture({ trials: 4, points: 6 });
  sweep = await addTwoObjectiveSweep(fixture.store, fixture.home);
  dashboard = await startDashboard({ home: fixture.home, port: 0, overrides: { generator: fakeGenerator() } });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await fixture?.cleanup();
});

describe('several objectives in Chromium', () => {
  test('the front and the importance chart → tick two trials → compare: parameters, curves, best epoch, one tune each', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const completed = TWO_OBJECTIVE_VECTORS.length - 1;

    await page.goto(`${dashboard.url}/#/sweeps/${sweep.sweepId}`);
    // The front: its members as marked dots joined by a line, the other completed trials as plain dots.
    const pareto = page.locator('[data-testid=pareto]');
    await pareto.locator('.pareto-front .recharts-scatter-symbol').first().waitFor();
    expect(await pareto.locator('.pareto-front .recharts-scatter-symbol').count()).toBe(TWO_OBJECTIVE_FRONT.length);
    expect(await pareto.locator('.pareto-others .recharts-scatter-symbol').count()).toBe(completed - TWO_OBJECTIVE_FRONT.length);
    const line = pareto.locator('.pareto-front .recharts-scatter-line path');
    expect(await line.count()).toBe(1);
    expect((await line.getAttribute('d'))?.match(/L/g)?.length).toBe(TWO_OBJECTIVE_FRONT.length - 1);
    expect(await pareto.locator('figcaption').textContent()).toMatch(`${TWO_OBJECTIVE_FRONT.length} of ${completed} completed trials on the front`);

    // Front members are marked in the trials table, and only they.
    const table = page.locator('[data-testid=trials-table]');
    for (const [i, id] of sweep.trialIds.entries()) {
      expect(await table.locator(`tr[data-trial="${id}"] [data-testid=front-mark]`).count(), `trial ${i}`).toBe(TWO_OBJECTIVE_FRONT.includes(i) ? 1 : 0);
    }

    // What mattered: one bar per parameter for the first objective; the other objective on request.
    const importance = page.locator('[data-testid=importance]');
    await importance.locator('.recharts-bar-rectangle').first().waitFor();
    expect(await importance.getByLabel('importance metric').inputValue()).toBe('val_loss');
    expect(await importance.locator('.recharts-cartesian-axis-tick-value').allTextContents()).toEqual(expect.arrayContaining(['lr', 'embedding_dim']));
    expect(await importance.textContent()).toMatch(`PED-ANOVA over ${completed} completed trials, minimize val_loss`);
    await importance.getByLabel('importance metric').selectOption('bar_ok_rate');
    await importance.getByText(`PED-ANOVA over ${completed} completed trials, maximize bar_ok_rate`).waitFor();
    await page.screenshot({ path: join(SHOTS, 'tunelab-front-sweep.png'), fullPage: true });

    // Tick two trials (a front member and a dominated one) and open the compare view.
    const [a, b] = [sweep.trialIds[0], sweep.trialIds[4]];
    await table.getByLabel(`compare ${a}`).check();
    await table.getByLabel(`compare ${b}`).check();
    await page.getByTestId('compare-link').click();
    await page.waitForFunction(() => window.location.hash.includes('/compare?trials='));
    expect(new URL(page.url()).hash).toBe(`#/sweeps/${sweep.sweepId}/compare?trials=${a},${b}`);

    // Parameters side by side: both trials' columns; lr differs (highlighted).
    const params = page.getByTestId('compare-params');
    await params.waitFor();
    for (const id of [a, b]) expect(await params.locator(`thead th[data-trial="${id}"]`).count()).toBe(1);
    const lr = params.locator('tr[data-param="train.optimizer.lr"]');
    expect(await lr.getAttribute('class')).toBe('differs');
    expect(await lr.locator('td').allTextContents()).toHaveLength(2);
    // Curves overlaid, one per trial; each metric at each trial's best epoch (val_loss's, epoch 4).
    await page.locator('[data-testid=curves] path.recharts-line-curve').nth(1).waitFor();
    expect(await page.locator('[data-testid=curves] path.recharts-line-curve').count()).toBe(2);
    const best = page.getByTestId('compare-best');
    expect(await best.locator('tr[data-metric=val_loss] td').allTextContents()).toEqual([String(TWO_OBJECTIVE_VECTORS[0][0]), String(TWO_OBJECTIVE_VECTORS[4][0])]);
    expect(await best.locator('tr[data-metric=bar_ok_rate] td').allTextContents()).toEqual([String(TWO_OBJECTIVE_VECTORS[0][1]), String(TWO_OBJECTIVE_VECTORS[4][1])]);

    // One tune per trial, the same seed and meter, drawn as sheet music.
    const tunes = page.getByTestId('compare-tunes');
    await tunes.getByLabel('seed').fill('7');
    await tunes.getByRole('button', { name: /generate from each/ }).click();
    for (const id of [a, b]) {
      const row = tunes.locator(`[data-testid=compare-tune-row][data-trial="${id}"]`);
      await row.locator('[data-testid=tune-notation] svg').waitFor({ timeout: 20_000 });
      expect(await row.locator('[data-testid=tune-notation] svg path').count()).toBeGreaterThan(20);
      expect(await row.locator('[data-testid=tune] header').textContent()).toMatch(/seed 7, T=1, constrain meter, meter 6\/8/);
    }
    expect(await tunes.locator('[data-testid=tune]').count()).toBe(2);
    // One request per trial, each on its own trial's best checkpoint, with the same settings.
    for (const id of [a, b]) {
      const checkpointId = (await fixture.store.getTrial(id))!.bestCheckpointId!;
      const stored = await fixture.store.listSamples({ checkpointId });
      expect(stored.map((s) => [s.settings.seed, s.settings.meter]), id).toEqual([[7, '6/8']]);
    }
    await page.screenshot({ path: join(SHOTS, 'tunelab-compare.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 120_000);
});
