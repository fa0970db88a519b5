export { InputError } from './errors';
export { ConfigError, type ConfigIssue } from './issues';
export { resolveHome, findWorkspaceRoot } from './home';
export { defaultRunConfig, loadRunConfig, parseRunConfig, validateRunConfig } from './run-config';
export { runConfigToYaml } from './run-yaml';
export { loadSweepConfig, parseSweepConfig } from './sweep-config';
export { applyParams, gridPoints, paramsKey } from './params';
export type * from './types';
export type * from './sweep-types';
