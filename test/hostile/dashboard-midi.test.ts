import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findAbc2midi } from '@tunelab/eval';
import { startDashboard, type RunningDashboard } from '@tunelab/dashboard';
import { makeFixture, type Fixture } from '@tunelab/dashboard/testing';

/**
 * Issue 21, item 8: `.mid` started one abc2midi per request with no cap. Against the live server, with the
 * real abc2midi behind a wrapper on PATH that logs each start and end and holds on for a moment: a burst of
 * downloads never runs more than the cap at once, and past the bounded queue the answer is 503 with
 * Retry-After (never a hang or a fork bomb).
 */

const work = mkdtempSync(join(tmpdir(), 'tunelab-hostile-midi-'));
const log = join(work, 'abc2midi.log');
let f: Fixture;
let dash: RunningDashboard;
let sampleId: string;
const savedPath = process.env.PATH;

function get(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers: { host: u.host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The most abc2midi processes the log shows running at once. */
function peak(): number {
  let now = 0;
  let max = 0;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line.startsWith('+')) max = Math.max(max, ++now);
    if (line.startsWith('-')) now--;
  }
  return max;
}

beforeAll(async () => {
  const real = await findAbc2midi();
  if (!real) throw new Error('these tests need abc2midi (apt install abcmidi)');
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'abc2midi'), `#!/bin/sh\necho "+ $$" >> '${log}'\nsleep 0.4\n'${real}' "$@"\nrc=$?\necho "- $$" >> '${log}'\nexit $rc\n`);
  chmodSync(join(bin, 'abc2midi'), 0o755);
  writeFileSync(log, '');
  process.env.PATH = `${bin}${delimiter}${savedPath}`;
  f = await makeFixture({ trials: 3, points: 8 });
  const sample = await f.store.addSample({
    checkpointId: f.checkpointIds[0],
    settings: { seed: 1, temperature: 1, maxLength: 600 },
    abc: 'X:1\nT:Burst\nM:6/8\nL:1/8\nK:D\n|:A2B c2d|e2f g2a|bag e2d|cBA B2G:|\n',
    eval: {},
  });
  sampleId = sample.id;
  dash = await startDashboard({ home: f.home, port: 0 });
}, 60_000);

afterAll(async () => {
  process.env.PATH = savedPath;
  await dash?.close();
  await f?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('.mid downloads', () => {
  test('a burst of 30 runs at most 2 abc2midi at once; past the queue it is 503 with Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => get(`${dash.url}/api/samples/${sampleId}.mid`)));
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 503);
    expect(ok.length + busy.length, JSON.stringify(answers.map((a) => a.status))).toBe(30);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    for (const a of ok) expect(a.body.subarray(0, 4).toString('latin1')).toBe('MThd');
    expect(busy.length).toBeGreaterThan(0);
    for (const a of busy) {
      expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(a.body.toString()).error).toMatch(/busy|try again/i);
    }
    expect(peak()).toBeLessThanOrEqual(2);
    expect(peak()).toBeGreaterThanOrEqual(1);
    // Once the burst is over the next download is served.
    const after = await get(`${dash.url}/api/samples/${sampleId}.mid`);
    expect(after.status).toBe(200);
  }, 60_000);
});
