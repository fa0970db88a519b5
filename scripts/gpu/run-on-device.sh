#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with .gpu-carry/ carried (built here by prepare.sh):
# installs the Vulkan loader and libglvnd, unpacks Node and Dawn, then runs the WebGPU LSTM gradient checks and
# `bench gpu --json --profile --rows-sweep`. Results go to $OUT: gpu-check.json, gpu-bench.json and the logs.
# TUNELAB_GPU_SKIP_DEBS=1 skips the system libraries (a smoke test on a machine without a GPU).
set -uo pipefail
carry=.gpu-carry
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
if [ "${TUNELAB_GPU_SKIP_DEBS:-0}" != 1 ]; then
  for f in "$carry"/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
# allow_unsafe_apis lets tfjs use timestamp queries, so --profile reports GPU time per kernel.
export TUNELAB_DAWN_FLAGS=${TUNELAB_DAWN_FLAGS:-enable-dawn-features=allow_unsafe_apis}
export PYTHONUNBUFFERED=1
# Unpacked outside the carried folder: the bundles find Dawn at dist/linux-x64/dawn.node beside themselves.
work=${TMPDIR:-/tmp}/tunelab-gpu
rm -rf "$work" && mkdir -p "$work/dist/linux-x64"
cp -r "$carry"/*.mjs "$carry/compare" "$work/"
gunzip -c "$carry/dawn.node.gz" > "$work/dist/linux-x64/dawn.node"
gunzip -c "$carry/node.gz" > "$work/node" && chmod +x "$work/node"
node=$work/node
{ nvidia-smi -L; "$node" --version; python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'; } 2>&1 | tee "$out/machine.txt"

echo "== gradient checks (WebGPU kernels vs the TypeScript reference)"
"$node" "$work/gpu-check.mjs" --out "$out/gpu-check.json" 2>&1 | tee "$out/gpu-check.log"
check=${PIPESTATUS[0]}

echo "== bench gpu"
"$node" "$work/bench-gpu.mjs" --json --profile --rows-sweep --out "$out/gpu-bench.json" ${TUNELAB_GPU_BENCH_ARGS:-} \
  > "$out/gpu-bench.stdout" 2> "$out/gpu-bench.log"
bench=$?
tail -n 8 "$out/gpu-bench.log"
echo "== gpu-bench.json"
cat "$out/gpu-bench.json" 2>/dev/null | head -c 1500; echo
echo "checks exit $check, bench exit $bench"
[ "$check" = 0 ] && [ "$bench" = 0 ]
