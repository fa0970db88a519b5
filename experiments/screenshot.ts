/**
 * Pictures of the dashboard for docs/: starts `tunelab dashboard` on a home folder, opens a page in Debian's
 * Chromium and saves a PNG of it.
 *
 *   npx tsx experiments/screenshot.ts --home ~/tunelab-runs --page '#/sweeps/sw-…' --out docs/img/sweep.png [--selector CSS]
 *
 * With `--selector`, only that element is pictured (e.g. the parameter-vs-metric charts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    page: { type: 'string', default: '#/' },
    out: { type: 'string' },
    selector: { type: 'string' },
    port: { type: 'string', default: '4780' },
    width: { type: 'string', default: '1400' },
    height: { type: 'string', default: '1000' },
  },
});
if (!values.home || !values.out) throw new Error('usage: screenshot.ts --home DIR --out FILE.png [--page #/…] [--selector CSS]');

const cli = join(import.meta.dirname, '..', 'apps/cli/bin/tunelab.mjs');
const server = spawn(process.execPath, [cli, 'dashboard', '--home', values.home, '--port', values.port!], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const base = `http://127.0.0.1:${values.port}/`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100) throw new Error(`the dashboard did not answer on ${base}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const page = await browser.newPage({ viewport: { width: Number(values.width), height: Number(values.height) } });
    await page.goto(base + values.page!);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(1500); // charts animate in
    mkdirSync(dirname(values.out), { recursive: true });
    if (values.selector) await page.locator(values.selector).first().screenshot({ path: values.out });
    else await page.screenshot({ path: values.out, fullPage: true });
    console.error(`wrote ${values.out}`);
  } finally {
    await browser.close();
  }
} finally {
  server.kill();
}
