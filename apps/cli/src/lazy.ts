/**
 * The libraries behind the commands, loaded when a command's action runs, never when the commands register.
 *
 * Why: start-up time. Registering every command used to import every library, so `tunelab --help` and any
 * usage error paid for all of them: 1.5–1.7 s. Imported alone (tsx, 2-core dev machine), @tunelab/dashboard
 * (fastify, vite) takes ~1.5 s, @tunelab/store (kysely, pg) ~0.75 s, @tunelab/eval ~0.5 s, @tunelab/model
 * (TensorFlow.js) ~0.45 s, @tunelab/dataset ~0.2 s, @tunelab/abc ~0.15 s. Loaded here on demand, `--help`
 * takes 0.45–0.5 s: node and tsx, commander, and @tunelab/config (~0.13 s; small enough to stay static).
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
/** The progress bar of `tunelab train` (~35 ms). */
export const cliProgress = async () => (await import('cli-progress')).default;
