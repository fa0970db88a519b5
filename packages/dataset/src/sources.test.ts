import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCacheDir, readCorpusSource, resolveNottinghamFile } from './sources';
import { NOTTINGHAM_URL } from './nottingham';
import { NOTTINGHAM_DIR, NO_DATA } from '../testing/data';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tunelab-dataset-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A fetch that serves `body` and records the URLs asked for. */
function fakeFetch(body: Uint8Array | string, status = 200) {
  const calls: string[] = [];
  const f = (async (url: string | URL | Request) => {
    calls.push(String(url));
    return new Response(status === 200 ? (body as BodyInit) : 'not found', { status });
  }) as typeof fetch;
  return { fetch: f, calls };
}

const offline = (async () => {
  throw new TypeError('fetch failed');
}) as typeof fetch;

describe('defaultCacheDir', () => {
  it('honours XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/tunelab');
    expect(defaultCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/tunelab');
  });
});

describe('paths: file, folder, glob', () => {
  beforeEach(() => {
    mkdirSync(join(tmp, 'abc', 'deep'), { recursive: true });
    writeFileSync(join(tmp, 'abc', 'b.abc'), 'X:1\nK:C\nC|\n');
    writeFileSync(join(tmp, 'abc', 'a.abc'), 'X:1\nK:G\nG|\n');
    writeFileSync(join(tmp, 'abc', 'notes.txt'), 'not abc');
    writeFileSync(join(tmp, 'abc', 'deep', 'c.abc'), 'X:1\nK:D\nD|\n');
  });

  it('reads a folder’s .abc files in name order; `files` (default [jigs]) is for the named corpus only', async () => {
    const all = await readCorpusSource(join(tmp, 'abc'), ['jigs']);
    expect(all.name).toBe(join(tmp, 'abc'));
    expect(all.files.map((f) => f.name)).toEqual([join(tmp, 'abc', 'a.abc'), join(tmp, 'abc', 'b.abc')]);
    expect(all.files[1].text).toBe('X:1\nK:C\nC|\n');
  });

  it('reads a single file and a glob (with **)', async () => {
    expect((await readCorpusSource(join(tmp, 'abc', 'a.abc'), [])).files).toHaveLength(1);
    const glob = await readCorpusSource(`${tmp}/abc/**/*.abc`, []);
    expect(glob.files.map((f) => f.name)).toEqual(['a.abc', 'b.abc', 'deep/c.abc'].map((p) => `${tmp}/abc/${p}`));
    const flat = await readCorpusSource(`${tmp}/abc/*.abc`, []);
    expect(flat.files).toHaveLength(2);
    await expect(readCorpusSource(`${tmp}/abc/*.mid`, [])).rejects.toThrow(/matches no files/);
  });

  it('names a missing corpus and says what was expected', async () => {
    await expect(readCorpusSource(join(tmp, 'nope'), [])).rejects.toThrow(
      /data\.corpus: corpus .*nope not found \(expected a file, a folder of \.abc files, a glob, or the named corpus "nottingham"\)/,
    );
  });
});

describe('the named corpus', () => {
  it('rejects an unknown file name, listing the known ones', async () => {
    await expect(readCorpusSource('nottingham', ['jig'], { fetch: offline, cacheDir: tmp, env: {} })).rejects.toThrow(
      /unknown file "jig" in corpus nottingham: expected one of ashover, hpps, jigs/,
    );
  });

  it('offline with no copy: says where it looked and how to point at a copy', async () => {
    const err = await resolveNottinghamFile('xmas', { fetch: offline, cacheDir: tmp, env: {} }).catch((e) => e);
    expect(err.message).toMatch(/cannot get nottingham\/xmas\.abc/);
    expect(err.message).toMatch(/TUNELAB_DATA_DIR \(not set\)/);
    expect(err.message).toMatch(/fetch failed/);
    expect(err.message).toMatch(/set TUNELAB_DATA_DIR to a folder holding xmas\.abc.*or set data\.corpus/);
    expect(err.message).not.toMatch(/\n/);
  });

  it('reports an HTTP error of the download', async () => {
    const { fetch } = fakeFetch('', 404);
    await expect(resolveNottinghamFile('xmas', { fetch, cacheDir: tmp, env: {} })).rejects.toThrow(/HTTP 404/);
  });

  it('rejects a download whose sha256 differs, and does not cache it', async () => {
    const { fetch, calls } = fakeFetch('X:1\nT:not the real file\nK:C\nC|\n');
    await expect(resolveNottinghamFile('xmas', { fetch, cacheDir: tmp, env: {} })).rejects.toThrow(
      /download of .*xmas\.abc was rejected: expected sha256 05ebc4b8.*, got [0-9a-f]{64}/,
    );
    expect(calls).toEqual([`${NOTTINGHAM_URL}xmas.abc`]);
    expect(existsSync(join(tmp, 'nottingham', 'xmas.abc'))).toBe(false);
  });

  describe.skipIf(!NOTTINGHAM_DIR)(`with the real files ${NO_DATA}`, () => {
    const real = () => readFileSync(join(NOTTINGHAM_DIR!, 'xmas.abc'));

    it('downloads a missing file, checks it, caches it, then reads the cache without fetching', async () => {
      const cacheDir = join(tmp, 'cache');
      const progress: string[] = [];
      const { fetch, calls } = fakeFetch(new Uint8Array(real()));
      const first = await resolveNottinghamFile('xmas', { fetch, cacheDir, env: {}, onProgress: (m) => progress.push(m) });
      expect(first.text).toBe(real().toString('utf8'));
      expect(first.from).toBe(`${NOTTINGHAM_URL}xmas.abc`);
      expect(calls).toHaveLength(1);
      expect(readFileSync(join(cacheDir, 'nottingham', 'xmas.abc'))).toEqual(real());
      expect(progress.join('\n')).toMatch(/downloading .*\n.*cached/);

      const second = await resolveNottinghamFile('xmas', { fetch: offline, cacheDir, env: {} });
      expect(second.from).toBe(join(cacheDir, 'nottingham', 'xmas.abc'));
      expect(second.text).toBe(first.text);
    });

    it('replaces a corrupt cached copy with a fresh download', async () => {
      mkdirSync(join(tmp, 'nottingham'));
      writeFileSync(join(tmp, 'nottingham', 'xmas.abc'), 'garbage');
      const { fetch, calls } = fakeFetch(new Uint8Array(real()));
      const got = await resolveNottinghamFile('xmas', { fetch, cacheDir: tmp, env: {} });
      expect(calls).toHaveLength(1);
      expect(got.text).toBe(real().toString('utf8'));
      expect(readFileSync(join(tmp, 'nottingham', 'xmas.abc'))).toEqual(real());
    });

    it('resolves in order: data folder → TUNELAB_DATA_DIR → cache → download', async () => {
      const dirs = ['explicit', 'env', 'cache/nottingham'].map((d) => join(tmp, d));
      for (const d of dirs) {
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'xmas.abc'), real());
      }
      const [explicit, env] = dirs;
      const cacheDir = join(tmp, 'cache');
      const opts = { fetch: offline, cacheDir };
      const from = async (o: Parameters<typeof resolveNottinghamFile>[1]) => (await resolveNottinghamFile('xmas', o)).from;
      expect(await from({ ...opts, dataDir: explicit, env: { TUNELAB_DATA_DIR: env } })).toBe(join(explicit, 'xmas.abc'));
      expect(await from({ ...opts, env: { TUNELAB_DATA_DIR: env } })).toBe(join(env, 'xmas.abc'));
      // A folder without the file is passed over, not an error.
      expect(await from({ ...opts, dataDir: join(tmp, 'empty'), env: {} })).toBe(join(cacheDir, 'nottingham', 'xmas.abc'));
      const { fetch, calls } = fakeFetch(new Uint8Array(real()));
      expect(await from({ fetch, cacheDir: join(tmp, 'other-cache'), env: {} })).toBe(`${NOTTINGHAM_URL}xmas.abc`);
      expect(calls).toHaveLength(1);
    });

    it('rejects a local copy whose sha256 differs, naming the file and both hashes', async () => {
      writeFileSync(join(tmp, 'xmas.abc'), real().toString('utf8').replace('X:', 'X: '));
      await expect(resolveNottinghamFile('xmas', { fetch: offline, env: { TUNELAB_DATA_DIR: tmp } })).rejects.toThrow(
        /TUNELAB_DATA_DIR: .*xmas\.abc is not the cleaned Nottingham xmas\.abc: expected sha256 05ebc4b8[0-9a-f]+, got [0-9a-f]{64}/,
      );
      // The original (uncleaned) files are a different corpus: use them by path.
      const original = join(NOTTINGHAM_DIR!, 'original');
      if (existsSync(original)) {
        await expect(resolveNottinghamFile('jigs', { fetch: offline, dataDir: original, env: {} })).rejects.toThrow(/sha256/);
      }
    });

    it('names the corpus by its files', async () => {
      const src = await readCorpusSource('nottingham', ['xmas.abc', 'slip'], { dataDir: NOTTINGHAM_DIR, env: {} });
      expect(src.name).toBe('nottingham:xmas,slip');
      expect(src.files.map((f) => f.name)).toEqual(['nottingham/xmas.abc', 'nottingham/slip.abc']);
      expect((await readCorpusSource('nottingham:jigs', [], { dataDir: NOTTINGHAM_DIR, env: {} })).name).toBe('nottingham:jigs');
    });
  });
});
