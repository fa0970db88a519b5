/**
 * For tests only (never imported by the package's code): where the real Nottingham files are.
 * CI sets TUNELAB_DATA_DIR; on the development machine the shared copy is the fallback. Tests that need
 * the real files skip, with a message saying so, when neither exists.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const SHARED_COPY = '/work/shared/data/nottingham';

export const NOTTINGHAM_DIR: string | undefined = [process.env.TUNELAB_DATA_DIR, SHARED_COPY].find(
  (d): d is string => !!d && existsSync(join(d, 'jigs.abc')),
);

export const NO_DATA = NOTTINGHAM_DIR
  ? ''
  : 'skipped: the Nottingham files are not here; set TUNELAB_DATA_DIR to a folder holding jigs.abc';

if (!NOTTINGHAM_DIR) console.warn(`@tunelab/dataset tests on the real jigs ${NO_DATA}`);
