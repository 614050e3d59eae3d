#include "layers/segment_tiles.hpp"

#include <string>

#include "core/errors.hpp"

namespace graphpool {

void check_segment_matrix(const char* what, const char* name, Index rows, Index cols,
                          Index want_rows, Index want_cols) {
  if (rows != want_rows || cols != want_cols) {
    throw ShapeError(std::string(what) + ": " + name + " must be [" + std::to_string(want_rows) +
                     ", " + std::to_string(want_cols) + "], got [" + std::to_string(rows) + ", " +
                     std::to_string(cols) + "]");
  }
}

void check_channel_parameter(const char* what, const char* name, Index size, Index features) {
  if (size != 1 && size != features) {
    throw ShapeError(std::string(what) + ": " + name + " must have 1 or F = " +
                     std::to_string(features) + " entries, got " + std::to_string(size));
  }
}

void check_channel_gradient(const char* what, const char* name, Index grad_size, Index param_size) {
  if (grad_size != param_size) {
    throw ShapeError(std::string(what) + ": grad_" + name + " must have " +
                     std::to_string(param_size) + " entries like " + name + ", got " +
                     std::to_string(grad_size));
  }
}

}  // namespace graphpool
