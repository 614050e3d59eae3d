#pragma once
/// graphpool's exceptions. Every message names the argument, the value and what was expected:
///   throw ShapeError("matmul: a is [2, 3] but b is [4, 5]; a.cols must equal b.rows");
#include <stdexcept>
#include <string>

namespace graphpool {

/// Base of every graphpool exception; catch this to catch them all.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Tensor shapes that do not fit together; the message names both shapes.
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// An index (node id, graph id, box index, label) outside its valid range.
class IndexError : public Error {
 public:
  using Error::Error;
};

/// A value outside its domain: NaN, a ratio outside (0, 1], a negative kernel size.
class ValueError : public Error {
 public:
  using Error::Error;
};

/// A file that cannot be read or written, or whose contents are malformed; names file and place.
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace graphpool
