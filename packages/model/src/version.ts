/**
 * The tunelab version (the root package.json's, which every workspace package shares), for records that must
 * name the code that wrote them, such as the WebGPU check verdict.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function readVersion(): string {
  // packages/model/src → the workspace root; inside a bundle the file may not be there.
  for (const up of ['../../..', '../..']) {
    const file = join(fileURLToPath(new URL(up, import.meta.url)), 'package.json');
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if ((pkg.name === 'tunelab' || pkg.name === '@tunelab/model') && pkg.version) return pkg.version;
    } catch {
      // An unreadable package.json: try the next candidate.
    }
  }
  return 'unknown';
}

/** The tunelab version, or `unknown` where no package.json names it. */
export const TUNELAB_VERSION: string = readVersion();
