// piscina loads workers as plain JavaScript; tunelab ships TypeScript, so each worker thread registers
// tsx before importing the real worker (the same loader the `tunelab` command uses).
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');
export default worker.default;
