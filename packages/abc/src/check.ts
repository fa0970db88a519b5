import { readFileSync } from 'node:fs';
import { InputError } from '@tunelab/config';
import { parseFile } from './parse';
import type { Finding, Tune } from './types';

/**
 * The counts behind `tunelab abc check`: per file and in total, how many tunes, how many have an error,
 * how many bar-length findings.
 */

/** One tune with at least one error, and everything found in it. */
export interface TuneProblems {
  /** 1-based line of its X: in the file, its X: number and title. */
  line: number;
  number: string | null;
  title: string | null;
  findings: Finding[];
}

export interface FileCheck {
  file: string;
  tunes: number;
  tunesWithErrors: number;
  /** Number of `bar-length` findings (not tunes). */
  barLengthFindings: number;
  errors: number;
  warnings: number;
  /** Tunes with at least one error (with `warnings: true`, at least one finding), in file order. */
  problems: TuneProblems[];
}

export interface CheckSummary {
  files: number;
  tunes: number;
  tunesWithErrors: number;
  barLengthFindings: number;
  perFile: FileCheck[];
}

/** Whether a parsed tune has a finding of severity error. */
export function hasErrors(tune: Tune): boolean {
  return tune.findings.some((f) => f.severity === 'error');
}

export interface CheckOptions {
  /** List tunes that have only warnings in `problems` too. */
  warnings?: boolean;
}

/** Checks every tune of an ABC text. Never throws. */
export function checkText(text: string, file = '<text>', options: CheckOptions = {}): FileCheck {
  const { tunes } = parseFile(text, file);
  const report: FileCheck = { file, tunes: tunes.length, tunesWithErrors: 0, barLengthFindings: 0, errors: 0, warnings: 0, problems: [] };
  for (const t of tunes) {
    for (const f of t.findings) {
      if (f.severity === 'error') report.errors++;
      else report.warnings++;
      if (f.code === 'bar-length') report.barLengthFindings++;
    }
    const errors = hasErrors(t);
    if (errors) report.tunesWithErrors++;
    if (errors || (options.warnings && t.findings.length > 0)) {
      report.problems.push({ line: t.source.line, number: t.number, title: t.title, findings: t.findings });
    }
  }
  return report;
}

/** Reads and checks one file. Throws `InputError` naming the file when it cannot be read. */
export function checkFile(path: string, options: CheckOptions = {}): FileCheck {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new InputError(`cannot read ABC file: ${why}`, path);
  }
  return checkText(text, path, options);
}

/** Totals over several files. */
export function summarizeChecks(perFile: FileCheck[]): CheckSummary {
  const sum = (k: 'tunes' | 'tunesWithErrors' | 'barLengthFindings') => perFile.reduce((a, f) => a + f[k], 0);
  return { files: perFile.length, tunes: sum('tunes'), tunesWithErrors: sum('tunesWithErrors'), barLengthFindings: sum('barLengthFindings'), perFile };
}
