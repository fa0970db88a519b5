// Worker threads load plain JavaScript; tunelab ships TypeScript, so the sampling worker registers tsx
// before importing the real worker (the same loader the `tunelab` command and the sweeper's workers use).
import { register } from 'tsx/esm/api';

register();
await import('./sampler-worker.ts');
