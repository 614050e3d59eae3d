#!/usr/bin/python3
"""PEER benchmark for the issue-8 readouts: the PyG formulas written with plain torch index ops.

  /usr/bin/python3 bench/peer_aggregations.py                  # all cases, 9 repeats
  /usr/bin/python3 bench/peer_aggregations.py --repeats 3
Same sizes as ../shared/peer/bench.py group a (10,000 graphs of 20..60 nodes, F=128, float32,
the same generator seed so the batch has the same 400,261 nodes) and the same output: one JSON line
per case (median/min/max seconds of `repeats` timed runs after `warmup`, gbps = bytes of x / median,
graphs_per_s). Debian's /usr/bin/python3 with python3-torch; torch 1.13 has no torch_scatter or PyG,
so each formula is the PyG source with scatter(...) spelled as index_add / scatter_reduce.
Cases: agg_<op>_fwd (under torch.no_grad) and agg_<op>_fwd+bwd (forward, then autograd.grad of a
fixed random upstream gradient to x and the module's parameters).
"""
import argparse
import json
import platform
import statistics
import time

import torch

ARGS = None
K_SORT = 30
SET2SET_STEPS = 3


def emit(record):
    print(json.dumps(record), flush=True)


def bench(case, fn, sizes, input_bytes, graphs):
    for _ in range(ARGS.warmup):
        fn()
    times = []
    for _ in range(ARGS.repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    emit({"case": case, "sizes": sizes, "median_s": median, "min_s": min(times), "max_s": max(times),
          "repeats": len(times), "gbps": input_bytes / median / 1e9, "graphs_per_s": graphs / median})


# --- PyG's building blocks ------------------------------------------------------------------------

def scatter_sum(src, index, size):
    return src.new_zeros((size,) + src.shape[1:]).index_add_(0, index, src)


def scatter_mean(src, index, size):
    count = torch.bincount(index, minlength=size).clamp(min=1).to(src.dtype).view(-1, 1)
    return scatter_sum(src, index, size) / count


def scatter_max(src, index, size):
    idx = index.view(-1, 1).expand_as(src)
    return src.new_zeros((size,) + src.shape[1:]).scatter_reduce(0, idx, src, "amax", include_self=False)


def softmax(src, index, size):
    """torch_geometric.utils.softmax: exp(src - max) / (sum + 1e-16) per group."""
    src_max = scatter_max(src.detach(), index, size)
    out = (src - src_max.index_select(0, index)).exp()
    out_sum = scatter_sum(out, index, size) + 1e-16
    return out / out_sum.index_select(0, index)


# --- the aggregations (PyG's forward bodies) --------------------------------------------------------

class SoftmaxAggregation(torch.nn.Module):  # learn=True, t=1
    def __init__(self):
        super().__init__()
        self.t = torch.nn.Parameter(torch.ones(1))

    def forward(self, x, index, size):
        alpha = softmax(x * self.t, index, size)
        return scatter_sum(x * alpha, index, size)


class PowerMeanAggregation(torch.nn.Module):  # learn=True, p=1
    def __init__(self):
        super().__init__()
        self.p = torch.nn.Parameter(torch.ones(1))

    def forward(self, x, index, size):
        out = scatter_mean(x.clamp(min=0, max=100).pow(self.p), index, size)
        return out.clamp(min=0, max=100).pow(1. / self.p)


def var_aggr(x, index, size):
    mean = scatter_mean(x, index, size)
    mean2 = scatter_mean(x * x, index, size)
    return mean2 - mean * mean


def std_aggr(x, index, size):
    out = var_aggr(x, index, size).clamp(min=1e-5).sqrt()
    return out.masked_fill(out <= 1e-5 ** 0.5, 0.0)


class AttentionalAggregation(torch.nn.Module):  # gate_nn = Linear(F, 1), nn = None
    def __init__(self, channels):
        super().__init__()
        self.gate_nn = torch.nn.Linear(channels, 1)

    def forward(self, x, index, size):
        gate = softmax(self.gate_nn(x), index, size)
        return scatter_sum(gate * x, index, size)


class Set2Set(torch.nn.Module):
    def __init__(self, channels, steps):
        super().__init__()
        self.channels, self.steps = channels, steps
        self.lstm = torch.nn.LSTM(2 * channels, channels)

    def forward(self, x, index, size):
        h = (x.new_zeros((1, size, self.channels)), x.new_zeros((1, size, self.channels)))
        q_star = x.new_zeros(size, 2 * self.channels)
        for _ in range(self.steps):
            q, h = self.lstm(q_star.unsqueeze(0), h)
            q = q.view(size, self.channels)
            e = (x * q.index_select(0, index)).sum(dim=-1, keepdim=True)
            a = softmax(e, index, size)
            r = scatter_sum(a * x, index, size)
            q_star = torch.cat([q, r], dim=-1)
        return q_star


def sort_aggr(x, index, size, node_ptr, k):
    """PyG SortAggregation with to_dense_batch spelled out."""
    fill_value = x.detach().min() - 1
    counts = node_ptr[1:] - node_ptr[:-1]
    n_max = int(counts.max())
    pos = torch.arange(x.size(0)) - node_ptr[:-1].index_select(0, index)
    dense = x.new_full((size * n_max, x.size(1)), fill_value)
    dense = dense.index_put((index * n_max + pos,), x)  # out of place, keeps autograd
    batch_x = dense.view(size, n_max, x.size(1))
    _, perm = batch_x[:, :, -1].sort(dim=-1, descending=True)
    perm = perm + (torch.arange(size) * n_max).view(-1, 1)
    batch_x = batch_x.view(size * n_max, -1)[perm].view(size, n_max, -1)
    if n_max >= k:
        batch_x = batch_x[:, :k].contiguous()
    else:
        batch_x = torch.cat([batch_x, batch_x.new_full((size, k - n_max, x.size(1)), fill_value)], dim=1)
    batch_x = batch_x.masked_fill(batch_x == fill_value, 0)
    return batch_x.view(size, k * x.size(1))


class WeightAndSum(torch.nn.Module):  # DGL-LifeSci
    def __init__(self, channels):
        super().__init__()
        self.atom_weighting = torch.nn.Sequential(torch.nn.Linear(channels, 1), torch.nn.Sigmoid())

    def forward(self, x, index, size):
        return scatter_sum(self.atom_weighting(x) * x, index, size)


def multi_aggr(x, index, size):  # MultiAggregation(['mean', 'max', 'std'], mode='cat')
    return torch.cat([scatter_mean(x, index, size), scatter_max(x, index, size), std_aggr(x, index, size)], -1)


def main():
    gen = torch.Generator().manual_seed(1)  # as bench.py group a
    B, Fdim = 10_000, 128
    sizes = torch.randint(20, 61, (B,), generator=gen)
    batch = torch.repeat_interleave(torch.arange(B), sizes)
    node_ptr = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(sizes, 0)])
    x = torch.randn(batch.numel(), Fdim, generator=gen)
    xg = x.clone().requires_grad_()
    dims = {"graphs": B, "nodes": x.size(0), "features": Fdim}
    read = x.numel() * x.element_size()
    cases = [
        ("softmax", SoftmaxAggregation()),
        ("powermean", PowerMeanAggregation()),
        ("var", var_aggr),
        ("std", std_aggr),
        ("attention", AttentionalAggregation(Fdim)),
        ("set2set", Set2Set(Fdim, SET2SET_STEPS)),
        ("sort", lambda v, i, s: sort_aggr(v, i, s, node_ptr, K_SORT)),
        ("weight_and_sum", WeightAndSum(Fdim)),
        ("multi", multi_aggr),
    ]
    for name, op in cases:
        params = list(op.parameters()) if isinstance(op, torch.nn.Module) else []

        def forward_nograd(op=op):
            with torch.no_grad():
                return op(x, batch, B)
        bench(f"agg_{name}_fwd", forward_nograd, dims, read, B)
        grad_out = torch.randn_like(op(xg, batch, B).detach())

        def forward_backward(op=op, params=params, grad_out=grad_out):
            torch.autograd.grad(op(xg, batch, B), [xg] + params, grad_out)
        bench(f"agg_{name}_fwd+bwd", forward_backward, dims, read, B)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=2)
    ARGS = parser.parse_args()
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(0)
    emit({"case": "environment", "torch": torch.__version__, "threads": torch.get_num_threads(),
          "cpu": platform.processor() or platform.machine(), "python": platform.python_version()})
    start = time.perf_counter()
    main()
    emit({"case": "group_e_wall_s", "seconds": round(time.perf_counter() - start, 1)})
