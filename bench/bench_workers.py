"""Concurrent training in `evonas search`: trained candidates per minute with 1, 2, ...
worker processes on the same search (same seed, budget and space).

Small networks leave a device idle between their tiny kernels; training several at once
keeps it busy. On a CPU, one worker uses torch's default threads and K workers use
cores // K threads each.

    python bench/bench_workers.py [--workers 1,2] [--budget 60] [--population 20]
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
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--population", type=int, default=20)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    print(f"# {platform.node()} {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}")
    print(f"# evonas search on digits, budget {args.budget}, population {args.population}, seed {args.seed}, no retraining")
    print()
    print("| workers | wall s | trainings/min | speed-up | HV |")
    print("|---|---|---|---|---|")
    base = None
    for k in counts:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = search(
                "digits",
                out=os.path.join(tmp, "run"),
                budget=args.budget,
                population=args.population,
                workers=k,
                seed=args.seed,
                device=args.device,
                retrain=0,
                progress=False,
            )
            wall = time.perf_counter() - t0
        rate = res.n_trained / wall * 60
        base = base or rate
        print(f"| {k} | {wall:.1f} | {rate:.1f} | {rate / base:.2f}x | {res.hypervolume:.4f} |", flush=True)


if __name__ == "__main__":
    main()
