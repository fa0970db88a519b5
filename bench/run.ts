/**
 * `npm run bench -- <name> [options]`: runs bench/<name>.ts. Each bench module exports
 * `main(args: string[]): Promise<void>` and a one-line `description`; with `--json` a bench writes exactly one
 * JSON document to stdout and everything else (progress, tables) to stderr.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  description?: string;
  main(args: string[]): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

async function usage(code: number): Promise<never> {
  const lines = ['usage: npm run bench -- <name> [--json] [options]', '', 'benches:'];
  for (const name of available) {
    const mod = (await import(pathToFileURL(`${here}/${name}.ts`).href)) as BenchModule;
    lines.push(`  ${name.padEnd(12)} ${mod.description ?? ''}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(code);
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') await usage(name ? 0 : 1);
if (!available.includes(name)) {
  process.stderr.write(`Expected a bench name (${available.join(', ')}), but got ${JSON.stringify(name)}\n`);
  await usage(1);
}
const mod = (await import(pathToFileURL(`${here}/${name}.ts`).href)) as BenchModule;
await mod.main(rest);
