#!/bin/bash
# There (an NVIDIA GPU, nvcc, CMake, ninja, torch and transformers; no network), from the
# repository root with .gpu/ from bench/gpu_prepare.sh: llama.cpp built once for CUDA
# (about 4 minutes on 16 cores), llama-cpp-python installed on that build, the
# random-weight model, then the figures (bench/gpu.py measure; PARTS picks them, SAMPLING
# the GPU sampling modes of its whatif part). Writes
# logs to $OUT when it is set. SERVER=ON also builds llama-server (for --parts server).
set -x
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1 PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
ROOT=$PWD; W=/tmp/w; mkdir -p $W; cd $W
# A machine still warm from an earlier call keeps /tmp: the build and the model are reused
ls -d $W/llama_cpp_python-* >/dev/null 2>&1 || tar xzf "$ROOT/.gpu/lcp.tgz"
L=$(ls -d $W/llama_cpp_python-*); LC=$L/vendor/llama.cpp; B=$W/build
T0=$(date +%s)
if [ ! -x $B/bin/llama-bench ]; then
cmake -S $LC -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DBUILD_SHARED_LIBS=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_SERVER=${SERVER:-OFF} -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
  > $OUT/cmake.log 2>&1 || { tail -30 $OUT/cmake.log; exit 1; }
ninja -C $B -j16 llama-bench llama-quantize ${SERVER:+llama-server} > $OUT/ninja.log 2>&1 \
  || { tail -40 $OUT/ninja.log; exit 1; }
echo "build took $(( $(date +%s) - T0 )) s"
fi
cd "$ROOT"
if [ ! -d /tmp/site/llama_cpp ]; then
python3 -m pip install -q --no-deps --no-index --target /tmp/site .gpu/*.whl
CMAKE_ARGS="-DLLAMA_BUILD=OFF -DLLAVA_BUILD=OFF" python3 -m pip install -q --no-deps --no-index \
  --no-build-isolation --target /tmp/site $L > $OUT/pip.log 2>&1 || { tail -30 $OUT/pip.log; exit 1; }
fi
export PYTHONPATH=/tmp/site:$LC/gguf-py LLAMA_CPP_LIB_PATH=$B/bin
M=/tmp/m
[ -f $M/model-Q4_K_M.gguf ] || python3 bench/gpu.py model $M --llama-cpp $LC --bin $B/bin 2>&1 | tail -3
echo "ready after $(( $(date +%s) - T0 )) s"
# llama.cpp's own log lines are left out; the figures ("llama_bench_pp512: …") are not
# SAMPLING picks the whatif's GPU sampling modes (each "a,b" list runs in a process of its
# own when given as "a b": a crash in one leaves the others' figures)
for modes in ${SAMPLING:-split,all,greedy,off}; do
  timeout ${MEASURE_S:-300} python3 -X faulthandler bench/gpu.py measure $M/model-Q4_K_M.gguf \
    --bin $B/bin --parts ${PARTS:-hardware,bench,whatif,engine} --sampling $modes 2>&1 \
    | grep -v "^llama_[a-z_]*: [^0-9]\|^load\|^print_info\|^ggml_\|^\s*$" \
    | tee -a $OUT/measure.log
  echo "measure ($modes) exited with ${PIPESTATUS[0]}"
done
