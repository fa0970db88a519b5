import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeFixture, type Fixture } from '@tunelab/dashboard/testing';

/**
 * Issue 21, item 4 through the real `tunelab dashboard`: `--allowed-hosts` adds names the server answers,
 * everything else is refused; `--host 0.0.0.0` warns loudly on stderr and still refuses foreign names.
 */

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'apps/cli/bin/tunelab.mjs');
let f: Fixture;

beforeAll(async () => {
  f = await makeFixture({ trials: 3, points: 8 });
});
afterAll(async () => f?.cleanup());

function status(port: string, host: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/sweeps', headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolveStatus(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts `tunelab dashboard …` and waits for the line with its URL; resolves with the port and stderr so far. */
function serve(args: string[]): { child: ChildProcess; ready: Promise<{ port: string; stderr: () => string }> } {
  const child = spawn(process.execPath, [bin, 'dashboard', '--home', f.home, '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const ready = new Promise<{ port: string; stderr: () => string }>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL in 50 s: ${err}`)), 50_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /dashboard: http:\/\/\S+:(\d+) /.exec(err);
      if (m) {
        clearTimeout(timer);
        resolveReady({ port: m[1], stderr: () => err });
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, ready };
}

describe('tunelab dashboard', () => {
  test('--allowed-hosts adds names; other Hosts get 421', async () => {
    const { child, ready } = serve(['--allowed-hosts', 'dash.example, tunes.lan:8080']);
    try {
      const { port, stderr } = await ready;
      expect(await status(port, 'dash.example')).toBe(200);
      expect(await status(port, `dash.example:${port}`)).toBe(200);
      expect(await status(port, 'tunes.lan:8080')).toBe(200);
      expect(await status(port, `127.0.0.1:${port}`)).toBe(200);
      expect(await status(port, `localhost:${port}`)).toBe(200);
      expect(await status(port, `evil.example:${port}`)).toBe(421);
      expect(await status(port, 'tunes.lan:9090')).toBe(421);
      expect(stderr()).not.toMatch(/warning/i);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  test('--host 0.0.0.0 warns on stderr that the API is open to the network, and still checks Host', async () => {
    const { child, ready } = serve(['--host', '0.0.0.0']);
    try {
      const { port, stderr } = await ready;
      expect(stderr()).toMatch(/WARNING.*0\.0\.0\.0/);
      expect(stderr()).toMatch(/promot/);
      expect(await status(port, `127.0.0.1:${port}`)).toBe(200);
      expect(await status(port, `rebound.example:${port}`)).toBe(421);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
