#include "apps/training_curve.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace graphpool {

namespace {

struct Panel {
  double left, top, width, height;
  double x_max, y_min, y_max;
  double x(double epoch) const { return left + width * (epoch - 1) / std::max(1.0, x_max - 1); }
  double y(double value) const {
    return top + height * (1 - (value - y_min) / std::max(1e-12, y_max - y_min));
  }
};

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

void axes(std::ostringstream& svg, const Panel& p, const std::string& label) {
  svg << "<rect x='" << p.left << "' y='" << p.top << "' width='" << p.width << "' height='"
      << p.height << "' fill='none' stroke='#444'/>\n";
  for (int i = 0; i <= 4; ++i) {
    const double value = p.y_min + (p.y_max - p.y_min) * i / 4;
    const double y = p.y(value);
    svg << "<line x1='" << p.left << "' x2='" << p.left + p.width << "' y1='" << y << "' y2='" << y
        << "' stroke='#ddd'/>\n<text x='" << p.left - 6 << "' y='" << y + 4
        << "' text-anchor='end' font-size='11'>" << number(value) << "</text>\n";
  }
  svg << "<text x='" << p.left + p.width / 2 << "' y='" << p.top + p.height + 32
      << "' text-anchor='middle' font-size='12'>epoch (1.." << static_cast<int>(p.x_max)
      << ")</text>\n<text x='" << p.left + p.width / 2 << "' y='" << p.top - 8
      << "' text-anchor='middle' font-size='13'>" << label << "</text>\n";
}

template <class Get>
void line(std::ostringstream& svg, const Panel& p, const std::vector<EpochMetrics>& history,
          Get get, const char* colour) {
  svg << "<polyline fill='none' stroke='" << colour << "' stroke-width='2' points='";
  for (const EpochMetrics& m : history) {
    const double v = get(m);
    if (std::isfinite(v)) svg << p.x(m.epoch) << ',' << p.y(v) << ' ';
  }
  svg << "'/>\n";
}

}  // namespace

std::string training_curve_svg(const std::vector<EpochMetrics>& history, const std::string& title) {
  double loss_max = 0;
  for (const EpochMetrics& m : history) {
    for (double v : {m.train_loss, m.val_loss}) if (std::isfinite(v)) loss_max = std::max(loss_max, v);
  }
  const double epochs = history.empty() ? 1.0 : static_cast<double>(history.back().epoch);
  const Panel loss{70, 50, 380, 260, epochs, 0, loss_max > 0 ? loss_max * 1.05 : 1};
  const Panel accuracy{560, 50, 380, 260, epochs, 0, 1};
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='980' height='380' "
         "font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n"
      << "<text x='490' y='22' text-anchor='middle' font-size='15'>" << title << "</text>\n";
  axes(svg, loss, "NLL loss");
  axes(svg, accuracy, "validation accuracy");
  line(svg, loss, history, [](const EpochMetrics& m) { return m.train_loss; }, "#1f77b4");
  line(svg, loss, history, [](const EpochMetrics& m) { return m.val_loss; }, "#ff7f0e");
  line(svg, accuracy, history, [](const EpochMetrics& m) { return m.val_accuracy; }, "#2ca02c");
  svg << "<text x='80' y='70' fill='#1f77b4' font-size='12'>train</text>\n"
      << "<text x='80' y='86' fill='#ff7f0e' font-size='12'>validation</text>\n</svg>\n";
  return svg.str();
}

}  // namespace graphpool
