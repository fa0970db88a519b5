export { InputError } from './errors';
export { resolveHome, findWorkspaceRoot } from './home';
export type * from './types';
export type * from './sweep-types';
