#include "tests/support/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "core/random.hpp"

namespace graphpool::testing {

namespace {

// f = sum(out * seed) evaluated on a fresh tape with the current input values.
double contracted(const GradFunction& f, const std::vector<Tensor<double>>& inputs,
                  const Tensor<double>& seed) {
  Tape<double> tape;
  std::vector<Var<double>> leaves;
  for (const auto& x : inputs) leaves.push_back(tape.leaf(x, false));
  const Tensor<double>& out = f(tape, leaves).value();
  double total = 0;
  for (Index i = 0; i < out.numel(); ++i) total += out[i] * seed[i];
  return total;
}

}  // namespace

GradcheckResult gradcheck(const GradFunction& f, std::vector<Tensor<double>> inputs,
                          std::vector<Parameter<double>*> parameters,
                          const GradcheckOptions& options) {
  // Analytic pass.
  Tape<double> tape;
  std::vector<Var<double>> leaves;
  for (const auto& x : inputs) leaves.push_back(tape.leaf(x, true));
  for (auto* p : parameters) p->grad.set_zero();
  Var<double> out = f(tape, leaves);
  Tensor<double> seed = random_tensor(out.shape(), 977, -1, 1);
  tape.backward(out, seed);

  GradcheckResult result;
  std::ostringstream report;
  double worst_excess = -1;
  auto compare = [&](const std::string& name, Tensor<double>& value, const Tensor<double>& analytic) {
    for (Index i = 0; i < value.numel(); ++i) {
      const double saved = value[i];
      value[i] = saved + options.step;
      const double plus = contracted(f, inputs, seed);
      value[i] = saved - options.step;
      const double minus = contracted(f, inputs, seed);
      value[i] = saved;
      const double numeric = (plus - minus) / (2 * options.step);
      const double got = analytic.numel() == value.numel() ? analytic[i] : 0.0;
      const double error = std::abs(got - numeric);
      const double allowed = options.atol + options.rtol * std::abs(numeric);
      if (!(error <= allowed)) result.ok = false;
      if (error - allowed > worst_excess || std::isnan(error)) {
        worst_excess = std::isnan(error) ? 1e300 : error - allowed;
        std::ostringstream w;
        w << name << " element " << i << ": analytic " << got << " vs numeric " << numeric
          << " (|diff| " << error << ", allowed " << allowed << ")";
        result.report = w.str();
      }
      result.worst_abs_error = std::max(result.worst_abs_error, error);
    }
  };
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Tensor<double> analytic = tape.grad(leaves[k]);
    compare("input " + std::to_string(k) + " " + inputs[k].shape().str(), inputs[k], analytic);
  }
  for (auto* p : parameters) {
    Tensor<double> analytic = p->grad;
    compare("parameter " + p->name, p->value, analytic);
  }
  result.report = (result.ok ? "ok; worst: " : "FAILED; worst: ") + result.report;
  return result;
}

Tensor<double> random_tensor(const Shape& shape, std::uint64_t seed, double lo, double hi) {
  Tensor<double> t(shape);
  CounterRng rng(seed, 0);
  for (Index i = 0; i < t.numel(); ++i) t[i] = lo + (hi - lo) * rng.uniform(static_cast<std::uint64_t>(i));
  return t;
}

Tensor<float> random_tensor_float(const Shape& shape, std::uint64_t seed, float lo, float hi) {
  Tensor<float> t(shape);
  CounterRng rng(seed, 0);
  for (Index i = 0; i < t.numel(); ++i) {
    t[i] = lo + (hi - lo) * static_cast<float>(rng.uniform(static_cast<std::uint64_t>(i)));
  }
  return t;
}

}  // namespace graphpool::testing
