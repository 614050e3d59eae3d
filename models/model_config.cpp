#include "models/model_config.hpp"

#include <charconv>
#include <map>
#include <sstream>

#include "core/errors.hpp"

namespace graphpool {

namespace {

// The shortest text that reads back as the same double ("0.1", not "0.10000000000000001").
std::string shortest(double v) {
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  return std::string(buffer, end);
}

}  // namespace

std::string to_config(const ModelOptions& options) {
  std::ostringstream text;
  text << "in_features=" << options.in_features_ << " classes=" << options.num_classes_
       << " hidden=" << options.hidden_ << " ratio=" << shortest(options.ratio_)
       << " dropout=" << shortest(options.dropout_);
  return text.str();
}

ModelOptions from_config(const std::string& config) {
  std::map<std::string, std::string> fields;
  std::istringstream text(config);
  for (std::string item; text >> item;) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw ValueError("model config: '" + item + "' is not key=value");
    fields[item.substr(0, eq)] = item.substr(eq + 1);
  }
  auto number = [&](const char* key) {
    auto it = fields.find(key);
    if (it == fields.end()) throw ValueError(std::string("model config: missing ") + key + " in '" + config + "'");
    try {
      std::size_t used = 0;
      const double value = std::stod(it->second, &used);
      if (used != it->second.size()) throw std::invalid_argument(it->second);
      return value;
    } catch (const std::exception&) {
      throw ValueError(std::string("model config: ") + key + "=" + it->second + " is not a number");
    }
  };
  return ModelOptions(static_cast<Index>(number("in_features")), static_cast<Index>(number("classes")))
      .hidden(static_cast<Index>(number("hidden")))
      .ratio(number("ratio"))
      .dropout(number("dropout"));
}

}  // namespace graphpool
