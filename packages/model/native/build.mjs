// Builds the fused-LSTM addon with the node-gyp that ships inside npm. Run by `npm ci` / `npm install` as
// @tunelab/model's install script. A failed build is not an install failure: tunelab then runs the
// TypeScript reference kernels and says so once at run time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push('/usr/share/nodejs/node-gyp/bin/node-gyp.js');
  return candidates.find((c) => existsSync(c));
}

const gyp = findNodeGyp();
if (!gyp) {
  console.warn('[tunelab] warning: node-gyp not found; the fused LSTM will use the TypeScript reference (slow).');
  process.exit(0);
}
const args = [gyp, 'rebuild', '--directory', here];
// Node's headers installed next to the binary (Debian's nodejs-dev, official tarballs) let node-gyp build
// offline instead of downloading them.
const localHeaders = dirname(dirname(process.execPath));
const nodedir =
  process.env.npm_config_nodedir ||
  (existsSync(join(localHeaders, 'include', 'node', 'node_api.h')) ? localHeaders : undefined);
if (nodedir) args.push(`--nodedir=${nodedir}`);
const res = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (res.status !== 0) {
  console.warn(
    `[tunelab] warning: building the native fused LSTM failed (exit ${res.status ?? res.signal}); ` +
      'tunelab will use the TypeScript reference kernels (slow). Needs g++, make and python3.',
  );
}
process.exit(0);
