#pragma once
/// Checks for numeric options with plain messages: CLI11's PositiveNumber and NonNegativeNumber
/// print "Value 0 not in range 0.000000 to 179769313486231570814527423731704356798070567...".
///   cmd->add_option("--epochs", args->epochs)->check(cli::positive());
///   // graphpool train --epochs 0  ->  "--epochs: must be > 0, got '0'" (exit 105)
#include <CLI/CLI.hpp>
#include <string>

namespace graphpool::cli {

namespace detail {
inline CLI::Validator number_check(bool (*ok)(double), const char* what, const char* name) {
  return CLI::Validator(
      [ok, what](std::string& text) {
        std::size_t used = 0;
        double value = 0;
        try {
          value = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used > 0 && used == text.size() && ok(value)) return std::string();
        return std::string("must be ") + what + ", got '" + text + "'";
      },
      name);
}
}  // namespace detail

/// A number > 0.
inline CLI::Validator positive() {
  return detail::number_check([](double v) { return v > 0; }, "> 0", "POSITIVE");
}
/// A number >= 0.
inline CLI::Validator non_negative() {
  return detail::number_check([](double v) { return v >= 0; }, ">= 0", "NONNEGATIVE");
}

}  // namespace graphpool::cli
