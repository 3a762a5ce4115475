"""NSGA-II's truncation of one overflowing front: evonas against pymoo's compiled
crowding functions, measured in the same run.

A front of n points on the positive unit sphere (m objectives) is cut to n/2.
evonas: ``_core.prune_front`` ("pruning": crowding distance recomputed after every
removal; "neighbours": product of the distances to the m nearest points) and the one
cut by crowding distance (``crowding_distance`` then a partial sort). pymoo 0.6:
``get_crowding_function("pcd" | "mnn" | "cd").do(F, n_remove=n/2)`` (pymoo's iterated
functions take ~10 s at 1e4 points and build n x n matrices, so they only run up to
--pymoo-max-iterated points).

    python bench/bench_truncation.py [--sizes 1000,10000,100000] [--objectives 2,3] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

import evonas
from evonas import _core

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

#: evonas truncation -> pymoo crowding function
PEERS = {"crowding": "cd", "pruning": "pcd", "neighbours": "mnn"}


def evonas_cut(F: np.ndarray, truncation: str, threads: int):
    keep = F.shape[0] - F.shape[0] // 2
    if truncation == "crowding":
        ranks = np.zeros(F.shape[0], dtype=np.int32)
        return lambda: np.argpartition(-evonas.crowding_distance(F, ranks=ranks), keep - 1)[:keep]
    return lambda: _core.prune_front(F, keep, truncation, threads)


def pymoo_cut(F: np.ndarray, truncation: str):
    from pymoo.operators.survival.rank_and_crowding.metrics import get_crowding_function

    fn = get_crowding_function(PEERS[truncation])
    return lambda: fn.do(F, n_remove=F.shape[0] // 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--objectives", default="2,3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="evonas threads (0: all cores)")
    parser.add_argument("--pymoo-max", type=int, default=100_000, help="largest front cut by pymoo")
    parser.add_argument("--pymoo-max-iterated", type=int, default=10_000, help="largest front for pcd and mnn")
    args = parser.parse_args()
    try:
        import pymoo

        peer = f"pymoo {pymoo.__version__}"
    except ImportError:
        peer = None
    print(f"# one front cut in half; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"evonas {evonas.__version__}, peer: {peer or 'pymoo not installed'}; best of {args.repeat}\n")
    print("| m | n | truncation | evonas | pymoo | ratio |")
    print("|---|---|---|---|---|---|")
    for m in (int(v) for v in args.objectives.split(",")):
        for n in (int(v) for v in args.sizes.split(",")):
            F = H.sphere_points(n, m)
            for truncation in PEERS:
                ours = H.best_time(evonas_cut(F, truncation, args.threads), args.repeat)
                limit = args.pymoo_max if truncation == "crowding" else args.pymoo_max_iterated
                theirs, ratio = "not run", "—"
                if peer is not None and n <= limit:
                    try:
                        t = H.best_time(pymoo_cut(F, truncation), 1 if n >= 10_000 else args.repeat)
                        theirs, ratio = f"{t * 1e3:.1f} ms", f"{t / ours:.1f}x"
                    except MemoryError:
                        theirs = "out of memory"
                print(f"| {m} | {n:.0e} | {truncation} | {ours * 1e3:.1f} ms | {theirs} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
