import type { RunConfig } from './types';

/**
 * Writes a run config as YAML (for `config.yaml` beside a run's checkpoints) that {@link parseRunConfig}
 * reads back to the same config. Blocks become block mappings; lists and inner mappings are written in flow
 * style (`layers: [256, 256, 256]`, `optimizer: { name: adam, lr: 0.001 }`) the way the experiment files are.
 * Written by hand rather than with the `yaml` stringifier so the output is the same whichever major is loaded.
 */
export function runConfigToYaml(config: RunConfig): string {
  const blocks: Array<[string, object | undefined]> = [
    ['data', config.data],
    ['model', config.model],
    ['train', config.train],
    ['eval', config.eval],
  ];
  const lines: string[] = [];
  for (const [name, block] of blocks) {
    if (block === undefined) continue;
    lines.push(`${name}:`);
    for (const [key, value] of Object.entries(block)) {
      if (value !== undefined) lines.push(`  ${key}: ${flow(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{ ${entries.map(([k, v]) => `${scalarKey(k)}: ${flow(v)}`).join(', ')} }`;
  }
  if (typeof value === 'string') return plainSafe(value) ? value : JSON.stringify(value);
  return String(value);
}

function scalarKey(key: string): string {
  return plainSafe(key) ? key : JSON.stringify(key);
}

/**
 * Strings that YAML reads back as the same string when unquoted: word-like, and not a word YAML gives
 * another meaning (booleans and nulls of YAML 1.1 and 1.2, so older readers agree too) or a number.
 */
function plainSafe(s: string): boolean {
  return (
    /^[A-Za-z_][\w\-./]*$/.test(s) &&
    !/^(true|false|yes|no|on|off|y|n|null|nan|inf)$/i.test(s)
  );
}
