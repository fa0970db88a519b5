import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The Nottingham data for tests: TUNELAB_DATA_DIR, else the shared copy beside the checkout.
 * Returns undefined (tests skip, saying why) where neither exists; in CI (CI=true) a missing copy is an error,
 * so a broken CI setup can never pass by skipping.
 */
export function dataDirOrSkip(): string | undefined {
  const candidates = [process.env.TUNELAB_DATA_DIR, resolve(import.meta.dirname, '../../../shared/data/nottingham')];
  for (const dir of candidates) if (dir && existsSync(resolve(dir, 'jigs.abc'))) return resolve(dir);
  if (process.env.CI === 'true') throw new Error('TUNELAB_DATA_DIR is not set to a folder holding jigs.abc (CI must point it at ../shared/data/nottingham)');
  console.warn('skipping: no Nottingham data (set TUNELAB_DATA_DIR to a folder holding jigs.abc)');
  return undefined;
}
