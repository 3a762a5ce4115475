"""Surrogate screening in `evonas search`: front hypervolume with and without it at an
equal number of trainings (digits, default space, no retraining).

    python bench/bench_screening.py [--budget 90] [--population 10] [--pool-factor 100] [--seeds 1,2]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import torch

from evonas.nas.search import search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=90)
    parser.add_argument("--population", type=int, default=10)
    parser.add_argument("--pool-factor", type=int, default=100)
    parser.add_argument("--seeds", default="1,2")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"# {platform.node()} {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} (1 thread)")
    print(f"# digits, budget {args.budget}, population {args.population}, pool factor {args.pool_factor}")
    print()
    print("| seed | surrogate | HV | best accuracy | front | s |")
    print("|---|---|---|---|---|---|")
    for seed in (int(s) for s in args.seeds.split(",")):
        for on in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                res = search(
                    "digits",
                    out=os.path.join(tmp, "run"),
                    budget=args.budget,
                    population=args.population,
                    retrain=0,
                    seed=seed,
                    progress=False,
                    surrogate=on,
                    pool_factor=args.pool_factor,
                    workers=1,
                )
                best = max((r["values"]["accuracy"] for r in res.front), default=float("nan"))
                print(
                    f"| {seed} | {'on' if on else 'off'} | {res.hypervolume:.4f} | {best:.4f} | {len(res.front)} "
                    f"| {time.perf_counter() - t0:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
