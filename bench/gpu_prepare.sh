#!/bin/bash
# Here (with network): what bench/gpu_device.sh needs on a GPU machine with no network,
# in .gpu/ (ignored by git): llama-cpp-python's sdist repacked without llama.cpp's vocab
# models, docs, tests, examples and other GPU back ends (73 MiB -> 6 MiB), and the two
# pure-Python wheels the package imports. docs/GPU.md says what it is for.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${1:-0.3.36}
mkdir -p .gpu
grep -qx "/.gpu/" .git/info/exclude 2>/dev/null || echo "/.gpu/" >> .git/info/exclude
work=$(mktemp -d)
python3 -m pip download -q --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$work"
tar xzf "$work/llama_cpp_python-$VERSION.tar.gz" -C "$work"
L="$work/llama_cpp_python-$VERSION"; V="$L/vendor/llama.cpp"
rm -rf "$L"/{.git,.github,docs,tests,examples,docker} "$V"/{.git,.github,docs,tests,examples,benches,media}
rm -rf "$V"/tools/ui/{tests,package-lock.json}  # the server's web page stays buildable
find "$V/models" -type f ! -name "*.jinja" -delete
for b in cann et hexagon metal musa opencl openvino rpc sycl virtgpu vulkan webgpu zdnn zendnn hip; do
  rm -rf "$V/ggml/src/ggml-$b"
done
tar czf .gpu/lcp.tgz -C "$work" "llama_cpp_python-$VERSION"
python3 -m pip download -q --no-deps --only-binary=:all: -d .gpu diskcache platformdirs
cp bench/gpu_device.sh .gpu/run.sh
rm -rf "$work"
ls -la .gpu
