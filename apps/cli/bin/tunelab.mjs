#!/usr/bin/env node
// The `tunelab` command. tunelab ships TypeScript sources; tsx compiles them on the fly (cached), so
// `npm ci` is the only install step and there is nothing to build before `npx tunelab …` works.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
