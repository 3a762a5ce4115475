"""The CUDA path against our own CPU path, on the issue's cases (needs a GPU).

    python bench/bench_cuda.py [--repeat 5] [--only SUBSTRING] [--threads N]

For each case: the CPU path's time (numpy input, all cores unless --threads),
the CUDA path's time (torch CUDA tensors in and out, synchronised, after one
warm-up call), the ratio, the issue's target, and whether the two paths agree
(identical ranks, crowding, exact hypervolumes and contributions, identical
Monte-Carlo estimates). Inputs are uniform random in [0, 1]^m (seed 0).
An NSGA-II generation (ask, evaluate, tell; ZDT1 with 30 variables, DTLZ2
with 12) is timed after the initial population, NSGA2(truncation="crowding",
device="cuda") against the same on the CPU, same seed; "same answer" compares the populations after the
first generation to 1e-12 (the problems' sums run in another order on the
GPU, so the last bits may differ).
Prints a markdown table. Without a CUDA device (or torch) it says so and
exits with status 2.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from typing import Any, Callable

import numpy as np

import evonas

# (name, m, n, target on one H100)
CASES = [
    ("non_dominated_sort", 3, 10**6, "<= 100 ms, >= 20x CPU"),
    ("non_dominated_sort", 2, 10**7, "<= 200 ms"),
    ("crowding_distance", 3, 10**6, "-"),
    ("hypervolume_mc", 8, 10**4, "<= 50 ms (1e7 samples)"),
    ("hypervolume", 2, 10**6, "-"),
    ("hypervolume", 2, 10**7, "-"),
    ("hv_contributions", 2, 10**6, "-"),
    ("nsga2_generation ZDT1", 2, 10**6, "<= 50 ms"),
    ("nsga2_generation DTLZ2", 3, 10**6, "<= 50 ms"),
]
_MC_SAMPLES = 10**7


def _time(fn: Callable[[], Any], repeat: int, sync: Callable[[], None]) -> tuple[float, Any]:
    out = fn()  # warm-up (and the answer)
    sync()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _generation_row(
    name: str, problem: Any, n: int, target: str, repeat: int, sync: Callable[[], None], threads: int | None
) -> str:
    """One table row: an NSGA-II generation on the CPU and on the GPU."""
    runs = []
    for device in ("cpu", "cuda"):
        # The one cut: the whole generation on the device (the iterated cuts survive on the host).
        algo = evonas.NSGA2(pop_size=n, truncation="crowding", device=device).setup(problem, seed=0, n_threads=threads)

        def generation(algo: Any = algo) -> None:
            algo.tell(*problem.evaluate(algo.ask()))

        generation()  # the initial population
        first = algo.F.cpu().numpy() if device == "cuda" else algo.F.copy()
        runs.append((_time(generation, repeat, sync if device == "cuda" else lambda: None)[0], first))
    (t_cpu, first_cpu), (t_gpu, first_gpu) = runs
    same = bool(np.allclose(first_gpu, first_cpu, rtol=1e-12, atol=0))
    m = problem.n_obj
    return (f"| {name} | {m} | {n:.0e} | {t_cpu * 1e3:.1f} ms | {t_gpu * 1e3:.1f} ms | "
            f"{t_cpu / t_gpu:.1f}x | {target} | {'close' if same else 'NO'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--threads", type=int, default=None, help="CPU path threads (default: all cores)")
    args = parser.parse_args()
    if not evonas.cuda.is_available():
        print("no CUDA device (or a build without the CUDA kernels): nothing to measure")
        return 2
    import torch

    sync = torch.cuda.synchronize
    print(f"GPU: {torch.cuda.get_device_name()}, CPU: {platform.processor() or platform.machine()}, "
          f"evonas {evonas.__version__}, torch {torch.__version__}, repeat {args.repeat} (median)")
    print("| kernel | m | n | CPU path | CUDA | ratio | target | same answer |")
    print("|---|---|---|---|---|---|---|---|")
    for name, m, n, target in CASES:
        if args.only not in name:
            continue
        if name.startswith("nsga2_generation"):
            problem = evonas.problems.ZDT1(n_var=30) if m == 2 else evonas.problems.DTLZ2(n_var=12, n_obj=3)
            print(_generation_row(name, problem, n, target, args.repeat, sync, args.threads))
            sys.stdout.flush()
            continue
        F = np.random.default_rng(0).random((n, m))
        G = torch.as_tensor(F, device="cuda")
        if name == "non_dominated_sort":
            cpu = lambda: evonas.non_dominated_sort(F, n_threads=args.threads)  # noqa: E731
            gpu = lambda: evonas.non_dominated_sort(G)  # noqa: E731
        elif name == "crowding_distance":
            ranks = evonas.non_dominated_sort(F)
            R = torch.as_tensor(ranks, device="cuda")
            cpu = lambda: evonas.crowding_distance(F, ranks=ranks, n_threads=args.threads)  # noqa: E731
            gpu = lambda: evonas.crowding_distance(G, ranks=R)  # noqa: E731
        elif name in ("hypervolume", "hv_contributions"):  # exact, m = 2
            function = getattr(evonas, name)
            ref = np.full(m, 1.1)
            cpu = lambda: function(F, ref, n_threads=args.threads)  # noqa: E731
            gpu = lambda: function(G, ref)  # noqa: E731
        else:
            ref = np.full(m, 1.1)
            cpu = lambda: evonas.hypervolume_mc(F, ref, samples=_MC_SAMPLES, seed=0, n_threads=args.threads)  # noqa: E731
            gpu = lambda: evonas.hypervolume_mc(G, ref, samples=_MC_SAMPLES, seed=0)  # noqa: E731
        t_cpu, a_cpu = _time(cpu, args.repeat, lambda: None)
        t_gpu, a_gpu = _time(gpu, args.repeat, sync)
        if isinstance(a_gpu, torch.Tensor):
            same = bool(np.array_equal(a_gpu.cpu().numpy(), a_cpu))
        else:
            same = a_gpu == a_cpu
        print(f"| {name} | {m} | {n:.0e} | {t_cpu * 1e3:.1f} ms | {t_gpu * 1e3:.1f} ms | "
              f"{t_cpu / t_gpu:.1f}x | {target} | {'yes' if same else 'NO'} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
