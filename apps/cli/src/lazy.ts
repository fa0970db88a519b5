/**
 * The libraries behind the commands, loaded when a command's action runs, never when the commands register.
 *
 * Why: start-up time. Each of these libraries costs a noticeable part of a second to import (the dashboard's
 * fastify and vite most, then the store's drivers, eval, TensorFlow.js), and `tunelab --help` or a usage error
 * needs none of them. Loaded here on demand, every call pays only for node and tsx, commander and
 * @tunelab/config (small enough to stay static); a command pays for the libraries its action uses.
 *
 * Keep it that way: in apps/cli, import these libraries' values only through the loaders below
 * (`import * as lazy from '../lazy'`, then `const { sample } = await lazy.model();`); `import type` is free.
 * The lint (@nx/enforce-module-boundaries) also refuses a static import of a library that is imported
 * dynamically anywhere in the project, tests included.
 * Values needed while registering (option defaults, help text) live in ./defaults.
 * Node's module cache makes a second call of a loader cheap; no memo needed.
 */
export const abc = () => import('@tunelab/abc');
export const dataset = () => import('@tunelab/dataset');
export const model = () => import('@tunelab/model');
export const evaluation = () => import('@tunelab/eval');
export const store = () => import('@tunelab/store');
export const dashboard = () => import('@tunelab/dashboard');
/** The sweeper (piscina, the store drivers). */
export const sweeper = () => import('@tunelab/sweeper');
/** The progress bar of `tunelab train` (only train draws one). */
export const cliProgress = async () => (await import('cli-progress')).default;
