// A program outside the graphpool tree: find_package(graphpool), one linear layer, one backward.
#include <cstdio>

#include <graphpool/core/linear.hpp>
#include <graphpool/core/ops.hpp>

int main() {
  using namespace graphpool;
  Generator gen(1);
  Linear<float> fc(LinearOptions(4, 2), gen);
  Tape<float> tape;
  Var<float> x = tape.leaf(Tensor<float>({3, 4}, 1.0f));
  Var<float> loss = sum(fc.forward(x));
  tape.backward(loss);
  // d sum(x W + b) / d b = number of rows.
  if (fc.bias()->grad[0] != 3.0f) return 1;
  std::puts("consumer ok");
  return 0;
}
