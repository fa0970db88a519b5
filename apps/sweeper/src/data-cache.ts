import { statSync } from 'node:fs';
import type { DataConfig } from '@tunelab/config';
import { prepareData, type LoadOptions, type PreparedData } from '@tunelab/dataset';

interface Entry {
  key: string;
  data: Promise<PreparedData>;
  /** The corpus files' mtimes when they were read (path → ms); URLs are not checked. */
  stamps: Map<string, number> | null;
}

function mtime(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * The prepared data of the last trial a worker thread ran, handed to the next trial while its `data` block is
 * the same and the corpus files are unchanged. Trials of a sweep almost always share their corpus: reading,
 * parsing, splitting and encoding jigs took ~60 ms of each trial's thread, and the parser was compiled again in
 * each worker. Sharing the object also lets the sample evaluator keep its reference corpus (a WeakMap on it).
 */
export class PreparedDataCache {
  private last: Entry | null = null;

  constructor(private readonly options: LoadOptions = {}) {}

  /** The data for `config`: the cached one when still valid, else prepared (a failure is not cached). */
  get(config: DataConfig): Promise<PreparedData> {
    const key = JSON.stringify(config);
    if (this.last && this.last.key === key && this.unchanged(this.last)) return this.last.data;
    const entry: Entry = { key, data: prepareData(config, this.options), stamps: null };
    this.last = entry;
    entry.data.then(
      (prepared) => {
        entry.stamps = new Map();
        for (const f of prepared.corpus.files ?? []) {
          const t = /^[a-z]+:\/\//i.test(f.from) ? null : mtime(f.from);
          if (t !== null) entry.stamps.set(f.from, t);
        }
      },
      () => {
        if (this.last === entry) this.last = null;
      },
    );
    return entry.data;
  }

  private unchanged(entry: Entry): boolean {
    // Still loading: the same request, share it.
    if (entry.stamps === null) return true;
    for (const [path, t] of entry.stamps) if (mtime(path) !== t) return false;
    return true;
  }
}
