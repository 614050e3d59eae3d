#pragma once
/// Finite-difference gradient checks in double precision.
///   auto result = gradcheck([](Tape<double>& tape, std::span<const Var<double>> in) {
///     return relu(in[0]);
///   }, {random_tensor({3, 4}, 1)});
///   EXPECT_TRUE(result.ok) << result.report;
/// The output is contracted with a fixed random seed tensor s: f = sum(out * s); the analytic
/// gradients from the tape are compared with central differences (f(x+h) - f(x-h)) / 2h.
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/tape.hpp"

namespace graphpool::testing {

struct GradcheckOptions {
  double step = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-5;
};

struct GradcheckResult {
  bool ok = true;
  double worst_abs_error = 0;  ///< max |analytic - numeric|
  std::string report;          ///< names the worst input, element, both values
};

using GradFunction = std::function<Var<double>(Tape<double>&, std::span<const Var<double>>)>;

/// Checks d sum(f(inputs) * s) against central differences for every element of every input and
/// every parameter in `parameters` (which f must put on the tape with tape.parameter()).
GradcheckResult gradcheck(const GradFunction& f, std::vector<Tensor<double>> inputs,
                          std::vector<Parameter<double>*> parameters = {},
                          const GradcheckOptions& options = {});

/// Tensor of `shape` with entries U(lo, hi) from a seeded counter generator.
Tensor<double> random_tensor(const Shape& shape, std::uint64_t seed, double lo = -1, double hi = 1);
Tensor<float> random_tensor_float(const Shape& shape, std::uint64_t seed, float lo = -1,
                                  float hi = 1);

}  // namespace graphpool::testing
