import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { buildUi, startDashboard, type RunningDashboard } from '@tunelab/dashboard';
import { FAKE_HUMAN_SOURCE, fakeGenerator, fakeHumanTunes, fakeScorer, makeFixture, type Fixture } from '@tunelab/dashboard/testing';

/**
 * Issue 24's done-when in real headless Chromium: blind listening on the real server and a real SQLite store
 * (a sweep with checkpoints, tunes from the model-free generator, held-out human jigs as the anchor). From the
 * sweep page to the listen page; three votes, each hiding names and sheet music until cast, then revealing
 * both tunes and who wrote them; the ratings change after every vote, and show beside the metric on the
 * sweep page.
 */

const SHOTS = process.env.TUNELAB_SCREENSHOTS ?? '/tmp';

let fixture: Fixture;
let dashboard: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  await buildUi();
  fixture = await makeFixture({ trials: 4, points: 8 });
  dashboard = await startDashboard({
    home: fixture.home,
    port: 0,
    overrides: { generator: fakeGenerator(), scorer: fakeScorer(), humanTunes: fakeHumanTunes() },
  });
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await fixture?.cleanup();
});

describe('blind listening in Chromium', () => {
  test('three votes on the listen page change the ratings; the sweep page shows them beside the metric', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${dashboard.url}/#/sweeps/${fixture.sweepId}`);
    await page.getByTestId('listen-link').click();
    await page.waitForFunction(() => window.location.hash.startsWith('#/listen?sweep='));
    await page.getByTestId('listen-no-ratings').waitFor();

    const left = page.getByTestId('listen-left');
    const right = page.getByTestId('listen-right');
    const ratingsText = async () => (await page.getByTestId('listen-ratings').textContent()) ?? '';
    const verdicts = ['left', 'right', 'same'] as const;
    const buttons = { left: '◀ left is better', right: 'right is better ▶', same: 'same' };
    let before = '';
    for (const [k, verdict] of verdicts.entries()) {
      // Blind: a player each, no sheet music, no checkpoint or trial names, no titles.
      await left.getByRole('button', { name: '▶ play' }).waitFor();
      await right.getByRole('button', { name: '▶ play' }).waitFor();
      for (const side of [left, right]) {
        expect(await side.locator('[data-testid=tune-notation]').count()).toBe(0);
        expect(await side.textContent()).not.toMatch(new RegExp(`${fixture.sweepId}|human`));
      }
      if (k === 0) {
        await page.getByLabel('your name').fill('Ada');
        // The player plays (abcjs's synth, or plain tones when its sound font cannot be fetched offline).
        await left.getByRole('button', { name: '▶ play' }).click();
        await left.getByRole('button', { name: '■ stop' }).waitFor({ timeout: 15_000 });
        await left.getByRole('button', { name: '■ stop' }).click();
      }
      await page.getByRole('button', { name: buttons[verdict] }).click();
      await page.getByTestId('listen-result').waitFor();
      // Revealed: who wrote each side and both tunes as sheet music.
      for (const side of [left, right]) {
        expect(await side.getByTestId('player').textContent()).toMatch(new RegExp(`^(${fixture.sweepId}-t\\d{3}-e\\d{3}-best|human tunes \\(held out\\))$`));
        await side.locator('[data-testid=tune-notation] svg').waitFor({ timeout: 20_000 });
        expect(await side.locator('[data-testid=tune-notation] svg path').count()).toBeGreaterThan(10);
      }
      if (k === 0) await page.screenshot({ path: join(SHOTS, 'tunelab-listen.png'), fullPage: true });
      // The ratings changed with this vote.
      await page.waitForFunction((old) => (document.querySelector('[data-testid=listen-ratings]')?.textContent ?? '') !== old, before);
      const now = await ratingsText();
      expect(now).toMatch(`over ${k + 1} vote`);
      before = now;
      if (k < verdicts.length - 1) await page.getByRole('button', { name: 'next pair →' }).click();
    }
    expect(await page.locator('p', { hasText: /^Bradley–Terry over 3 votes/ }).count()).toBe(1);

    // Stored: three votes, the name with them.
    const votes = await fixture.store.listVotes({ sweepId: fixture.sweepId });
    expect(votes.map((v) => [v.verdict, v.voter])).toEqual(expect.arrayContaining([['left', 'Ada'], ['right', 'Ada'], ['same', 'Ada']]));
    expect(votes).toHaveLength(3);
    // Every player's vote count in the table adds up to two per vote.
    const counts = await page.locator('[data-testid=listen-ratings] [data-testid=rating]').allTextContents();
    expect(counts.reduce((n, t) => n + Number(/\((\d+) votes?\)/.exec(t)![1]), 0)).toBe(6);
    await page.screenshot({ path: join(SHOTS, 'tunelab-listen-ratings.png'), fullPage: true });

    // The sweep page: each rated checkpoint's trial has its rating in the listen column, as the API says.
    const api = (await (await fetch(`${dashboard.url}/api/ratings?sweep=${fixture.sweepId}`)).json()) as { ratings: { trialId: string; rating: number; votes: number }[]; human: { player: string } | null };
    expect(api.ratings.length).toBeGreaterThan(0);
    await page.goto(`${dashboard.url}/#/sweeps/${fixture.sweepId}`);
    const table = page.getByTestId('trials-table');
    await table.locator('th', { hasText: 'listen' }).waitFor();
    for (const r of api.ratings) {
      const cell = table.locator(`tr[data-trial="${r.trialId}"] [data-testid=rating]`);
      expect(await cell.textContent()).toMatch(`${r.rating >= 0 ? '+' : '−'}${Math.abs(r.rating).toFixed(2)} ± `);
    }
    if (api.human) expect(api.human.player).toBe(FAKE_HUMAN_SOURCE);
    await page.screenshot({ path: join(SHOTS, 'tunelab-listen-sweep.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 180_000);
});
