// Worker threads load plain JavaScript; register tsx (as apps/sweeper/src/worker-boot.mjs does) before the
// TypeScript worker that runs the parser entry points.
import { register } from 'tsx/esm/api';

register();
await import('./abc-fuzz-worker.ts');
