/** Bundle entry for a GPU machine without Node's toolchain: `node bench-gpu.mjs [bench gpu options]`. */
import { main } from '../../bench/gpu';

await main(process.argv.slice(2));
// Dawn keeps handles open; the document is written, so leave.
process.exit(0);
