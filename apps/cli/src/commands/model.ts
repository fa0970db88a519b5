import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { parseRunConfig, parseSweepConfig } from '@tunelab/config';
import type { Backend, RunConfig } from '@tunelab/config';
import * as lazy from '../lazy';
import { log, printJson, say, table, UsageError } from '../output';

export const BACKENDS: Backend[] = ['auto', 'webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/** Keys only a sweep config has at its top level. */
const SWEEP_KEY = /^(method|metric|parameters|run_cap|early_terminate)\s*:/m;

/**
 * Reads a run config, or the `base` run config of a sweep config, from a YAML file.
 * @throws UsageError when the file cannot be read; ConfigError (a user error) when it is not valid.
 */
export async function loadConfigFile(path: string): Promise<{ config: RunConfig; kind: 'run' | 'sweep' }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--config: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (SWEEP_KEY.test(text)) return { config: parseSweepConfig(text, path).base, kind: 'sweep' };
  return { config: parseRunConfig(text, path), kind: 'run' };
}

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${flag}: expected a positive integer, but got "${value}"`);
    return v;
  };
}

export function backendOption(defaultValue?: Backend): Option {
  const o = new Option('--backend <name>', 'TensorFlow.js backend').choices(BACKENDS);
  return defaultValue ? o.default(defaultValue) : o;
}

interface SummaryOptions {
  config: string;
  dataDir?: string;
  json?: boolean;
}

/** `tunelab model …` */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('Inspect the model a config builds.');
  model
    .command('summary')
    .description("Layers and parameter count of a config's model (the vocabulary comes from the config's corpus).")
    .requiredOption('--config <yaml>', 'a run config, or a sweep config (its base is used)')
    .option('--data-dir <dir>', 'folder holding the named corpus files (else TUNELAB_DATA_DIR, the cache, a download)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (opts: SummaryOptions) => {
      const { config, kind } = await loadConfigFile(opts.config);
      const [{ prepareData }, { describeModel, specFromConfig }] = await Promise.all([lazy.dataset(), lazy.model()]);
      const data = await prepareData(config.data, { dataDir: opts.dataDir, onProgress: log });
      const spec = specFromConfig(config.model, config.train.batching);
      const { layers, params } = describeModel(spec, data.vocab.size, {
        batchSize: config.train.batch_size,
        seqLen: config.train.seq_len,
        seed: config.train.seed,
      });
      if (opts.json) {
        printJson({ config: opts.config, kind, vocabSize: data.vocab.size, spec, layers, params });
        return;
      }
      say(false, `${opts.config}${kind === 'sweep' ? ' (the sweep base)' : ''}: vocabulary ${data.vocab.size} symbols`);
      say(
        false,
        table(
          ['layer', 'type', 'output shape', 'params'],
          layers.map((l) => [l.name, l.type, `[${l.outputShape.map((d) => d ?? '?').join(', ')}]`, l.params.toLocaleString('en-US')]),
        ),
      );
      say(false, `parameters: ${params.toLocaleString('en-US')}`);
    });
}
