#pragma once
// The shared main of every bench program: GRAPHPOOL_THREADS=N limits oneTBB to N threads (per-core
// numbers on a loaded machine), then the cases that `register_cases` adds run as Google Benchmark
// parses its flags.
//   int main(int argc, char** argv) { return graphpool::bench::run(argc, argv, register_all); }
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "core/parallel.hpp"

namespace graphpool::bench {

inline int run(int argc, char** argv, void (*register_cases)()) {
  std::unique_ptr<ThreadLimit> limit;
  if (const char* threads = std::getenv("GRAPHPOOL_THREADS")) {
    limit = std::make_unique<ThreadLimit>(std::atoi(threads));
  }
  register_cases();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace graphpool::bench
