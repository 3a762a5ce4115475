"""Seconds per NSGA-II generation on ZDT1 (30 variables) at large populations.

One generation = variation (ask) + evaluation + survival (tell). pymoo's NSGA2
(eliminate_duplicates=False) is timed on the same problem when installed.

    python bench/bench_generation.py [--sizes 10000,100000,1000000] [--gens 3] [--pymoo-max 100000]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import evonas
from evonas.problems import ZDT1


def evonas_seconds_per_gen(pop: int, gens: int, seed: int = 1) -> float:
    problem = ZDT1(n_var=30)
    algo = evonas.NSGA2(pop_size=pop, eliminate_duplicates=False)
    algo.setup(problem, seed=seed)
    X = algo.ask()  # the initial population is not a generation of variation
    algo.tell(problem.evaluate(X)[0])
    times = []
    for _ in range(gens):
        t0 = time.perf_counter()
        X = algo.ask()
        F, _ = problem.evaluate(X)
        algo.tell(F)
        times.append(time.perf_counter() - t0)
    return min(times)


def pymoo_seconds_per_gen(pop: int, gens: int, seed: int = 1) -> float | None:
    try:
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.problems import get_problem
    except ImportError:
        return None
    problem = get_problem("zdt1", n_var=30)
    algo = NSGA2(pop_size=pop, eliminate_duplicates=False)
    algo.setup(problem, termination=("n_gen", gens + 1), seed=seed)
    algo.next()  # initial population
    times = []
    for _ in range(gens):
        t0 = time.perf_counter()
        algo.next()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--gens", type=int, default=3, help="timed generations (best is reported)")
    parser.add_argument("--pymoo-max", type=int, default=10_000, help="largest population timed for pymoo")
    args = parser.parse_args()
    print(f"# NSGA-II generation on ZDT1 (30 variables); {platform.processor() or platform.machine()}, "
          f"evonas {evonas.__version__}, best of {args.gens} generations\n")
    print("| population | evonas s/gen | pymoo s/gen | ratio |")
    print("|---|---|---|---|")
    for pop in (int(s) for s in args.sizes.split(",")):
        ours = evonas_seconds_per_gen(pop, args.gens)
        peer = pymoo_seconds_per_gen(pop, args.gens) if pop <= args.pymoo_max else None
        peer_s = f"{peer:.3f}" if peer is not None else "not run"
        ratio = f"{peer / ours:.1f}x" if peer is not None else "—"
        print(f"| {pop:.0e} | {ours:.3f} | {peer_s} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
