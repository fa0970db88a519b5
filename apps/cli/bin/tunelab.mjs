#!/usr/bin/env -S node --single-threaded-gc
// --single-threaded-gc: a sweep trains one trial per worker thread; V8's parallel GC helpers would compete with
// them for the cores (measured: two trials in one process ran each epoch 30% slower with them, 5% without).
// The `tunelab` command. tunelab ships TypeScript sources; tsx compiles them on the fly (cached), so
// `npm ci` is the only install step and there is nothing to build before `npx tunelab …` works.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
