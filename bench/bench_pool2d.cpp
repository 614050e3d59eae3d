// CNN window pooling at the peer's sizes (../shared/peer/bench.py group c). Benchmark names are the
// peer's case names ("max_pool2d_k2s2p0_fwd", "..._fwd+bwd", ...), so the comparison script maps
// them one to one; "/tape" variants run the same fwd+bwd through a Tape (which copies x into a
// leaf and zeroes every adjoint), "/alloc" variants allocate the output on every call as torch
// does. bytes_per_second = bytes of the op's input / time, as the peer's gbps.
//   bench_pool2d --benchmark_filter=max_pool2d
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bench/bench_data.hpp"
#include "bench/bench_main.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/global_pool2d.hpp"
#include "layers/lp_pool2d.hpp"
#include "layers/max_pool2d.hpp"
#include "layers/mixed_pool2d.hpp"
#include "layers/softmax_pool2d.hpp"
#include "layers/spatial_pyramid_pool.hpp"

namespace gp = graphpool;

namespace {

gp::Tensor<float> random_input(const gp::Shape& s, std::uint64_t seed) {
  return gp::bench::normal_tensor(s, gp::CounterRng(seed, 0));
}

const gp::Tensor<float>& big() {  // [32, 64, 112, 112], 102.8 MB
  static const gp::Tensor<float> x = random_input({32, 64, 112, 112}, 3);
  return x;
}

void set_bytes(benchmark::State& state, const gp::Tensor<float>& x) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * x.numel() *
                          static_cast<std::int64_t>(sizeof(float)));
}

gp::MaxPool2dOptions max_options(int k, int s, int p) {
  return gp::MaxPool2dOptions(k).stride(s).padding(p);
}
gp::AvgPool2dOptions avg_options(int k, int s, int p) {
  return gp::AvgPool2dOptions(k).stride(s).padding(p);
}

void max_fwd(benchmark::State& state, int k, int s, int p) {
  const auto& x = big();
  gp::Tensor<float> out;
  for (auto _ : state) {
    gp::max_pool2d(x, max_options(k, s, p), out);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, x);
}

void max_fwd_alloc(benchmark::State& state, int k, int s, int p) {
  const auto& x = big();
  for (auto _ : state) {
    gp::Tensor<float> out;
    gp::max_pool2d(x, max_options(k, s, p), out);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, x);
}

// forward with indices, then the backward of a fixed upstream gradient into grad_x, overwriting it
// (as the tape does for a fresh adjoint: every element assigned, no separate zeroing pass)
void max_fwd_bwd(benchmark::State& state, int k, int s, int p) {
  const auto& x = big();
  const gp::PoolGrid g = gp::max_pool2d_grid(max_options(k, s, p), 112, 112);
  gp::Tensor<float> out, grad_x(x.shape());
  std::vector<std::int32_t> idx;
  gp::max_pool2d(x, max_options(k, s, p), out, &idx);
  const gp::Tensor<float> grad_out = random_input(out.shape(), 4);
  for (auto _ : state) {
    gp::max_pool2d(x, max_options(k, s, p), out, &idx);
    gp::max_pool2d_planes_backward(grad_out.data(), idx.data(), 32 * 64, g, grad_x.data(),
                                   /*accumulate=*/false);
    benchmark::DoNotOptimize(grad_x.data());
  }
  set_bytes(state, x);
}

void avg_fwd(benchmark::State& state, int k, int s, int p) {
  const auto& x = big();
  gp::Tensor<float> out;
  for (auto _ : state) {
    gp::avg_pool2d(x, avg_options(k, s, p), out);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, x);
}

void avg_fwd_alloc(benchmark::State& state, int k, int s, int p) {
  const auto& x = big();
  for (auto _ : state) {
    gp::Tensor<float> out;
    gp::avg_pool2d(x, avg_options(k, s, p), out);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, x);
}

void avg_fwd_bwd(benchmark::State& state, int k, int s, int p) {
  const auto& x = big();
  const gp::PoolGrid g = gp::avg_pool2d_grid(avg_options(k, s, p), 112, 112);
  gp::Tensor<float> out, grad_x(x.shape());
  gp::avg_pool2d(x, avg_options(k, s, p), out);
  const gp::Tensor<float> grad_out = random_input(out.shape(), 4);
  for (auto _ : state) {
    gp::avg_pool2d(x, avg_options(k, s, p), out);
    gp::avg_pool2d_planes_backward(grad_out.data(), 32 * 64, g, true, grad_x.data(),
                                   /*accumulate=*/false);
    benchmark::DoNotOptimize(grad_x.data());
  }
  set_bytes(state, x);
}

// the same through the tape: leaf copy of x, forward, backward with a seed (adjoints zeroed)
template <class Op>
void tape_fwd_bwd(benchmark::State& state, const gp::Tensor<float>& x, Op op) {
  gp::Tape<float> tape;
  gp::Tensor<float> seed;
  for (auto _ : state) {
    tape.clear();
    gp::Var<float> xv = tape.leaf(x);
    gp::Var<float> y = op(xv);
    if (seed.shape() != y.shape()) seed = random_input(y.shape(), 4);
    tape.backward(y, seed);
    benchmark::DoNotOptimize(tape.grad(xv).data());
  }
  set_bytes(state, x);
}

// wall-clock time (the kernels run on TBB threads), milliseconds
template <class... A>
void reg(const std::string& name, A&&... a) {
  benchmark::RegisterBenchmark(name.c_str(), std::forward<A>(a)...)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

void register_all() {
  for (auto [k, s, p] : {std::tuple{2, 2, 0}, std::tuple{3, 2, 1}}) {
    // appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "k" + to_string(k)
    std::string c = "k";
    c.append(std::to_string(k)).append("s").append(std::to_string(s));
    c.append("p").append(std::to_string(p));
    reg(("max_pool2d_" + c + "_fwd"), max_fwd, k, s, p);
    reg(("max_pool2d_" + c + "_fwd/alloc"), max_fwd_alloc, k, s, p);
    reg(("max_pool2d_" + c + "_fwd+bwd"), max_fwd_bwd, k, s, p);
    reg(("max_pool2d_" + c + "_fwd+bwd/tape"), [=](benchmark::State& st) {
      tape_fwd_bwd(st, big(),
                   [&](gp::Var<float> v) { return gp::max_pool2d(v, max_options(k, s, p)); });
    });
    reg(("avg_pool2d_" + c + "_fwd"), avg_fwd, k, s, p);
    reg(("avg_pool2d_" + c + "_fwd/alloc"), avg_fwd_alloc, k, s, p);
    reg(("avg_pool2d_" + c + "_fwd+bwd"), avg_fwd_bwd, k, s, p);
    reg(("avg_pool2d_" + c + "_fwd+bwd/tape"), [=](benchmark::State& st) {
      tape_fwd_bwd(st, big(),
                   [&](gp::Var<float> v) { return gp::avg_pool2d(v, avg_options(k, s, p)); });
    });
  }
  reg("lp_pool2d_p2_k2s2_fwd", [](benchmark::State& st) {
    gp::Tensor<float> out;
    for (auto _ : st) gp::lp_pool2d(big(), gp::LpPool2dOptions(2.0, 2), out);
    set_bytes(st, big());
  });
  reg("mixed_pool2d_k2s2_fwd", [](benchmark::State& st) {
    gp::Tensor<float> out;
    for (auto _ : st) gp::mixed_pool2d(big(), gp::MixedPool2dOptions(2).alpha(0.5), out);
    set_bytes(st, big());
  });
  reg("softmax_pool2d_k2s2_fwd", [](benchmark::State& st) {
    gp::Tensor<float> out;
    for (auto _ : st) gp::softmax_pool2d(big(), gp::SoftmaxPool2dOptions(2).beta(1.0), out);
    set_bytes(st, big());
  });
  static const gp::Tensor<float> y = random_input({32, 512, 14, 14}, 5);
  reg("global_avg_pool2d_fwd", [](benchmark::State& st) {
    gp::Tensor<float> out;
    for (auto _ : st) gp::global_avg_pool2d(y, out);
    set_bytes(st, y);
  });
  // forward, then the backward of a fixed upstream gradient into grad_x (overwritten, as for a
  // fresh adjoint), as avg_fwd_bwd; "/tape" adds the tape's leaf copy of y and its bookkeeping
  reg("global_avg_pool2d_fwd+bwd", [](benchmark::State& st) {
    const gp::PoolGrid g = gp::global_grid(y.dim(2), y.dim(3));
    gp::Tensor<float> out, grad_x(y.shape());
    const gp::Tensor<float> grad_out = random_input({y.dim(0), y.dim(1)}, 4);
    for (auto _ : st) {
      gp::global_avg_pool2d(y, out);
      gp::avg_pool2d_planes_backward(grad_out.data(), y.dim(0) * y.dim(1), g, false, grad_x.data(),
                                     /*accumulate=*/false);
      benchmark::DoNotOptimize(grad_x.data());
    }
    set_bytes(st, y);
  });
  reg("global_avg_pool2d_fwd+bwd/tape", [](benchmark::State& st) {
    tape_fwd_bwd(st, y, [](gp::Var<float> v) { return gp::global_avg_pool2d(v); });
  });
  reg("global_max_pool2d_fwd", [](benchmark::State& st) {
    gp::Tensor<float> out;
    for (auto _ : st) gp::global_max_pool2d(y, out);
    set_bytes(st, y);
  });
  // the memory ceiling in the same conditions: a dense sum (read x) and a copy into a buffer
  reg("baseline_dense_sum", [](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(big().flat().sum());
    set_bytes(st, big());
  });
  reg("baseline_copy", [](benchmark::State& st) {
    gp::Tensor<float> out(big().shape());
    for (auto _ : st) {
      std::copy(big().data(), big().data() + big().numel(), out.data());
      benchmark::DoNotOptimize(out.data());
    }
    set_bytes(st, big());
  });
  static const gp::Tensor<float> z = random_input({32, 256, 13, 13}, 6);
  reg("spatial_pyramid_pool2d_1_2_4_fwd", [](benchmark::State& st) {
    gp::Tensor<float> out;
    for (auto _ : st) gp::spatial_pyramid_pool(z, gp::SpatialPyramidPoolOptions(), out);
    set_bytes(st, z);
  });
}

}  // namespace
int main(int argc, char** argv) {
  return graphpool::bench::run(argc, argv, register_all);
}
