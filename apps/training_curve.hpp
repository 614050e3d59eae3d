#pragma once
/// The training curve of one run as a self-contained SVG: losses (train, validation) on the left,
/// validation accuracy on the right, epochs on the x axes.
///   std::string svg = training_curve_svg(result.history, "SAGPool_h on MUTAG, seed 0");
#include <string>
#include <vector>

#include "models/trainer.hpp"

namespace graphpool {

std::string training_curve_svg(const std::vector<EpochMetrics>& history, const std::string& title);

}  // namespace graphpool
