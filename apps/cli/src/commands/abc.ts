import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { FileCheck } from '@tunelab/abc';
import * as lazy from '../lazy';
import { printJson, say, table, UsageError } from '../output';

interface CheckOptions {
  json?: boolean;
  strict?: boolean;
  warnings?: boolean;
}

/** `tunelab abc …` */
export function registerAbcCommands(program: Command): void {
  const abc = program.command('abc').description('Read and validate ABC notation.');
  abc
    .command('check')
    .description(
      'Check ABC files tune by tune: structure, header fields, unknown symbols, bar lengths against M: and L:. ' +
        'Prints each error as file:line:col, a table per file and a total. Exits 0 when every file could be read ' +
        '(with --strict: 1 when any tune has an error).',
    )
    .argument('<files...>', 'ABC files (several tunes each: X: starts a tune, a blank line ends it)')
    .option('--json', 'print one JSON document on stdout: { files, tunes, tunesWithErrors, barLengthFindings, perFile }')
    .option('--strict', 'exit 1 when any tune has an error')
    .option('--warnings', 'also list warnings (unknown fields, odd bar lines …) and the tunes that have only warnings')
    .action(async (files: string[], opts: CheckOptions) => {
      const { checkFile, summarizeChecks } = await lazy.abc();
      const perFile: FileCheck[] = [];
      const unreadable: string[] = [];
      for (const f of files) {
        try {
          perFile.push(checkFile(f, { warnings: opts.warnings }));
        } catch (err) {
          unreadable.push((err as Error).message);
        }
      }
      if (unreadable.length > 0) throw new UsageError(unreadable.join('\n'));
      const summary = summarizeChecks(perFile);
      if (opts.json) {
        printJson(summary);
      } else {
        for (const f of perFile) {
          for (const p of f.problems) {
            for (const x of p.findings) {
              if (x.severity === 'error' || opts.warnings) say(false, `${f.file}:${x.line}:${x.col}: ${x.severity} ${x.code}: ${x.message}`);
            }
          }
        }
        const rows = perFile.map((f) => [f.file, f.tunes, f.tunesWithErrors, f.barLengthFindings, f.errors, f.warnings]);
        say(false, table(['file', 'tunes', 'with errors', 'bar-length', 'errors', 'warnings'], rows));
        say(
          false,
          `total: ${plural(summary.files, 'file')}, ${plural(summary.tunes, 'tune')}, ` +
            `${summary.tunesWithErrors} with errors, ${plural(summary.barLengthFindings, 'bar-length finding')}`,
        );
      }
      if (opts.strict && summary.tunesWithErrors > 0) process.exitCode = 1;
    });
  abc
    .command('transpose')
    .description(
      'Move every tune of an ABC file by N semitones and print the file on stdout: notes, accidentals, K: keys ' +
        '(the spelling with the fewest sharps or flats for the mode) and chord symbols; everything else is kept. ' +
        'A key that cannot be moved (K:none, an unknown mode) is an error naming file:line:col.',
    )
    .argument('<file>', 'an ABC file (several tunes: X: starts a tune, a blank line ends it)')
    .requiredOption('--semitones <n>', 'semitones to move by, e.g. 2 or -5 (a whole number)', parseSemitones)
    .action(async (file: string, opts: { semitones: number }) => {
      const { transposeFile } = await lazy.abc();
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new UsageError(`${file}: cannot read ABC file: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
      }
      process.stdout.write(transposeFile(text, opts.semitones, file));
    });
}

function parseSemitones(value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new UsageError(`--semitones ${value}: expected a whole number of semitones, e.g. 2 or -5`);
  return Number(value);
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
