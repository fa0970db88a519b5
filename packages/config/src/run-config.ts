import { readFile } from 'node:fs/promises';
import { InputError } from './errors';
import { ConfigError, IssueList, type PathSegment } from './issues';
import { checkBlock, checkRunConfigRules, DEFAULT_RUN_CONFIG, isPlainObject, RUN_SCHEMA } from './run-schema';
import type { RunConfig } from './types';
import { readYaml } from './yaml-source';

/**
 * Top-level keys that mark a sweep config; seeing one in a run config means the wrong kind of file. Sweep keys
 * that a user might plausibly put in a run file by mistake (`name`, `seed`) are left to the unknown-key error.
 */
const SWEEP_MARKERS = ['method', 'metric', 'parameters', 'run_cap', 'early_terminate'];

/** The seed's recipe: raw jigs, characters, 16 × 64 stateful, Embedding 512, 3 × LSTM 256, dropout 0.2, Adam. */
export function defaultRunConfig(): RunConfig {
  return structuredClone(DEFAULT_RUN_CONFIG);
}

/**
 * Validates a run config that is already plain data (a checkpoint's tunelab.json, an HTTP body) and fills
 * unwritten keys with defaults, so configs saved before a key existed still load.
 * @param where names the source in errors (`checkpoints/run-3/epoch-10/tunelab.json`, `body`).
 * @throws ConfigError (an InputError) listing every problem, one per line: `train.epochs: expected …, got …`.
 */
export function validateRunConfig(value: unknown, where?: string): RunConfig {
  const issues = new IssueList();
  const config = checkRunConfig(value, [], issues);
  issues.throwIfAny(where);
  return config;
}

/**
 * Parses a run config from YAML; unwritten keys take the defaults of {@link defaultRunConfig}.
 * All problems are collected and thrown as one ConfigError, one per line, each naming the YAML path and line:
 * `seed.yaml: train.epoch (line 12): unknown key; did you mean "epochs"?`. A sweep file is refused with a
 * pointer to `tunelab sweep start`.
 */
export function parseRunConfig(yamlText: string, file?: string): RunConfig {
  const source = readYaml(yamlText, file);
  const issues = new IssueList(source.lineOf);
  if (isPlainObject(source.value)) {
    const sweepKeys = SWEEP_MARKERS.filter((k) => Object.hasOwn(source.value as object, k));
    if (sweepKeys.length > 0) {
      const how = file ? `tunelab sweep start --config ${file}` : 'tunelab sweep start';
      throw new ConfigError(
        [
          {
            path: '',
            message: `this is a sweep config (it has ${sweepKeys.join(', ')}), not a run config; run it with "${how}"`,
          },
        ],
        file,
      );
    }
  }
  const config = checkRunConfig(source.value, [], issues);
  issues.throwIfAny(file);
  return config;
}

/** Reads and parses a run config file (see {@link parseRunConfig}); errors are prefixed with `path`. */
export async function loadRunConfig(path: string): Promise<RunConfig> {
  return parseRunConfig(await readConfigFile(path), path);
}

/** Reads a config file, turning a missing or unreadable file into an InputError that names it. */
export async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`, path);
  }
}

/**
 * Checks a run config at `path` (empty at the top of a run file; the sweep base also sits at the top) and
 * returns it with defaults filled. `extraKeys` are sibling keys the caller validates itself.
 * @param base the defaults for unwritten keys (a sweep's base when checking a trial's values).
 */
export function checkRunConfig(
  value: unknown,
  path: PathSegment[],
  issues: IssueList,
  extraKeys: readonly string[] = [],
  base: RunConfig = DEFAULT_RUN_CONFIG,
): RunConfig {
  // An empty file is the default run, not an error.
  const before = issues.size;
  const config = checkBlock(
    value === undefined ? {} : value,
    RUN_SCHEMA,
    base as unknown as Record<string, unknown>,
    path,
    issues,
    extraKeys,
  ) as unknown as RunConfig;
  // Rules across keys only make sense once each key is valid on its own.
  if (issues.size === before) checkRunConfigRules(config, path, issues);
  return config;
}
