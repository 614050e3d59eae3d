// RoI max pooling at the peer's size (../shared/peer/bench.py group c): a VGG16 conv5 map
// [1, 512, 38, 50] of a ~800x600 image, 128 boxes, 7x7 bins, spatial scale 1/16, float32.
// Boxes as the peer draws them: corner U(0, 700) x U(0, 500), extent 16 + U(0, 300) per side
// (same distribution, not the same numbers: the peer's come from torch's generator).
// Benchmark names follow the peer's case names so the comparison script maps them directly:
//   roi_max_pool2d_fwd            forward into a reused output and arg buffer
//   roi_max_pool2d_fwd/alloc      forward allocating both on every call (as torch)
//   roi_max_pool2d_fwd+bwd        forward, grad_x = 0, backward scatter of a fixed upstream grad
//   roi_max_pool2d_fwd+bwd/tape   the same through a Tape (leaf copy of x, adjoints zeroed)
// bytes_per_second = bytes of x / time (the peer's "GB/s of input").
//   bench_roi_pool --benchmark_filter=roi
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_data.hpp"
#include "bench/bench_main.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/roi_pool.hpp"

namespace gp = graphpool;

namespace {

const gp::Tensor<float>& feature_map() {
  static const gp::Tensor<float> x =
      gp::bench::normal_tensor({1, 512, 38, 50}, gp::CounterRng(3, 0));
  return x;
}

const gp::Tensor<float>& boxes() {
  static const gp::Tensor<float> b = [] {
    gp::Tensor<float> t({128, 5});
    const gp::CounterRng rng(3, 1);
    for (gp::Index k = 0; k < 128; ++k) {
      const double x1 = rng.uniform(4 * k) * 700, y1 = rng.uniform(4 * k + 1) * 500;
      t(k, 0) = 0;
      t(k, 1) = static_cast<float>(x1);
      t(k, 2) = static_cast<float>(y1);
      t(k, 3) = static_cast<float>(x1 + 16 + rng.uniform(4 * k + 2) * 300);
      t(k, 4) = static_cast<float>(y1 + 16 + rng.uniform(4 * k + 3) * 300);
    }
    return t;
  }();
  return b;
}

const gp::RoiPoolOptions kOptions = gp::RoiPoolOptions(7).spatial_scale(1.0 / 16);

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * feature_map().numel() *
                          static_cast<std::int64_t>(sizeof(float)));
}

void fwd(benchmark::State& state) {
  gp::Tensor<float> out;
  std::vector<std::int32_t> arg;
  for (auto _ : state) {
    gp::roi_max_pool2d_forward(feature_map(), boxes(), kOptions, out, arg);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state);
}

void fwd_alloc(benchmark::State& state) {
  for (auto _ : state) {
    gp::Tensor<float> out;
    std::vector<std::int32_t> arg;
    gp::roi_max_pool2d_forward(feature_map(), boxes(), kOptions, out, arg);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state);
}

void fwd_bwd(benchmark::State& state) {
  gp::Tensor<float> out, grad_x(feature_map().shape());
  std::vector<std::int32_t> arg;
  gp::roi_max_pool2d_forward(feature_map(), boxes(), kOptions, out, arg);
  const gp::Tensor<float> grad_out = gp::bench::normal_tensor(out.shape(), gp::CounterRng(5, 0));
  for (auto _ : state) {
    gp::roi_max_pool2d_forward(feature_map(), boxes(), kOptions, out, arg);
    grad_x.set_zero();
    gp::roi_max_pool2d_backward(grad_out, arg, boxes(), grad_x);
    benchmark::DoNotOptimize(grad_x.data());
  }
  set_bytes(state);
}

void fwd_bwd_tape(benchmark::State& state) {
  gp::Tape<float> tape;
  const gp::Tensor<float> seed = gp::bench::normal_tensor({128, 512, 7, 7}, gp::CounterRng(5, 0));
  for (auto _ : state) {
    tape.clear();
    gp::Var<float> x = tape.leaf(feature_map());
    gp::Var<float> y = gp::roi_max_pool2d(x, boxes(), kOptions);
    tape.backward(y, seed);
    benchmark::DoNotOptimize(tape.grad(x).data());
  }
  set_bytes(state);
}

// wall-clock time (the kernels run on TBB threads), milliseconds
template <class F>
void reg(const std::string& name, F f) {
  benchmark::RegisterBenchmark(name.c_str(), f)->UseRealTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

void register_all() {
  reg("roi_max_pool2d_fwd", fwd);
  reg("roi_max_pool2d_fwd/alloc", fwd_alloc);
  reg("roi_max_pool2d_fwd+bwd", fwd_bwd);
  reg("roi_max_pool2d_fwd+bwd/tape", fwd_bwd_tape);
}

int main(int argc, char** argv) {
  return graphpool::bench::run(argc, argv, register_all);
}
