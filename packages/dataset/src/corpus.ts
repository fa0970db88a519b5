/**
 * Corpus = the files of a source cut into tunes and preprocessed. `raw` keeps the seed's text byte for byte
 * (jigs: 129,665 characters); `normalized` rebuilds each tune from its parse (see normalize.ts).
 */
import type { DataConfig } from '@tunelab/config';
import { InputError } from '@tunelab/config';
import { splitTunes } from '@tunelab/abc';
import type { Corpus, CorpusTune } from './types';
import { readCorpusSource, type SourceOptions } from './sources';
import { normalizeTune } from './normalize';
import { bodyStart } from './yardstick';

/** Options of `loadCorpus` / `prepareData`: where files come from (see sources.ts). */
export type LoadOptions = SourceOptions;

/**
 * Between two tunes of a training text: two blank lines, as in the seed's jigs.abc (336 of its 339 gaps),
 * so that a split's text looks like the file the seed trained on.
 */
export const TUNE_SEPARATOR = '\n\n';

/**
 * Joins tunes into one training text the way the seed's file was laid out: each tune ends with its newline
 * and two blank lines separate tunes. (For raw jigs with every tune, `Corpus.text` is the file itself, whose
 * gaps vary slightly; `prepareData` uses that text when nothing is held out.)
 */
export function joinTunes(tunes: readonly Pick<CorpusTune, 'text'>[]): string {
  return tunes.map((t) => t.text).join(TUNE_SEPARATOR);
}

/**
 * Reads and preprocesses a corpus: `data.corpus` + `data.files` → files (resolved, sha256-checked for the
 * named corpus) → tunes (an `X:` line up to the next blank line) → `raw` or `normalized` text.
 * @throws InputError when the corpus or a file is missing, a download fails or a hash differs, or no tune is found.
 */
export async function loadCorpus(data: DataConfig, opts: LoadOptions = {}): Promise<Corpus> {
  if (data.preprocessing !== 'raw' && data.preprocessing !== 'normalized' && data.preprocessing !== 'unnumbered') {
    throw new InputError(`expected preprocessing raw, normalized or unnumbered, but got ${JSON.stringify(data.preprocessing)}`, 'data.preprocessing');
  }
  const source = await readCorpusSource(data.corpus, data.files === 'all' ? [] : (data.files ?? []), opts);
  const tunes: CorpusTune[] = [];
  const files: NonNullable<Corpus['files']> = [];
  for (const file of source.files) {
    const before = tunes.length;
    for (const t of splitTunes(file.text, file.name)) {
      const raw = withNewline(t.text);
      const text = data.preprocessing === 'raw' ? raw : normalizeTune(t, { numbered: data.preprocessing === 'normalized' });
      if (text.trim().length > 0) tunes.push({ file: t.file, line: t.line, index: t.index, text, bodyChars: raw.length - bodyStart(raw) });
    }
    files.push({ name: file.name, from: file.from, chars: file.text.length, tunes: tunes.length - before });
  }
  if (tunes.length === 0) {
    throw new InputError(`corpus ${source.name} holds no tunes (expected tunes that start with an X: line)`, 'data.corpus');
  }
  const text = data.preprocessing === 'raw' ? rawText(source.files.map((f) => f.text)) : joinTunes(tunes);
  return { name: source.name, tunes, text, preprocessing: data.preprocessing, files };
}

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

/**
 * The raw training text: one file's exact content (the seed's case); several files are joined with two blank
 * lines between them (each file's trailing blank lines dropped) so that tunes of different files never touch.
 */
function rawText(texts: string[]): string {
  if (texts.length === 1) return texts[0];
  return texts.map((t) => t.replace(/\s*$/, '\n')).join(TUNE_SEPARATOR);
}
