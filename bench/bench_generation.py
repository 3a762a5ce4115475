"""Seconds per NSGA-II generation on ZDT1 (30 variables) at large populations.

One generation = variation (ask) + evaluation + survival (tell). Both sides
run with the same operators (SBX eta=15 prob=0.9, PM eta=20, binary
tournament) and eliminate_duplicates=False: pymoo's NSGA2 default is True,
evonas's too, and a duplicate check is not part of what is compared.

pymoo runs in a child process, one size at a time, under a wall-clock limit
(--pymoo-timeout) and a memory cap (--pymoo-memory): its default
non-dominated sort is O(n^2) in time and memory, so at large populations it
may not finish a generation; the table then says what stopped it and gives
the evonas/pymoo ratio as a lower bound. --pymoo-nds picks another of
pymoo's sorters (e.g. efficient_non_dominated_sort).

    python bench/bench_generation.py [--sizes 10000,100000,1000000] [--gens 5]
        [--pymoo-max 100000] [--pymoo-timeout 300] [--pymoo-memory 0.6] [--truncation auto]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import queue
import resource
import time

import evonas
from evonas.problems import ZDT1


def evonas_seconds_per_gen(pop: int, gens: int, truncation: str, seed: int = 1) -> float:
    problem = ZDT1(n_var=30)
    algo = evonas.NSGA2(pop_size=pop, eliminate_duplicates=False, truncation=truncation)
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


def _pymoo_worker(pop: int, gens: int, nds: str | None, memory_bytes: int, out: mp.Queue) -> None:
    """Child process: reports ("ready", 0) after the initial population, ("gen",
    seconds) per timed generation, or ("error", text)."""
    try:
        if memory_bytes > 0:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        from pymoo.algorithms.moo.nsga2 import NSGA2, RankAndCrowding
        from pymoo.problems import get_problem
        from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

        extra = {} if nds is None else {"survival": RankAndCrowding(nds=NonDominatedSorting(method=nds))}
        problem = get_problem("zdt1", n_var=30)
        algo = NSGA2(pop_size=pop, eliminate_duplicates=False, **extra)
        algo.setup(problem, termination=("n_gen", gens + 1), seed=1)
        algo.next()  # initial population
        out.put(("ready", 0.0))
        for _ in range(gens):
            t0 = time.perf_counter()
            algo.next()
            out.put(("gen", time.perf_counter() - t0))
    except MemoryError:
        out.put(("error", f"out of memory (cap {memory_bytes / 2**30:.0f} GiB)"))
    except ImportError:
        out.put(("error", "pymoo not installed"))
    except Exception as exc:  # reported in the table instead of a traceback
        out.put(("error", f"{type(exc).__name__}: {exc}"[:200]))


def pymoo_seconds_per_gen(
    pop: int, gens: int, nds: str | None, timeout: float, memory_bytes: int
) -> tuple[float | None, bool, str]:
    """Best pymoo generation time (None: none finished), whether the limit
    stopped it, and a note on how the run ended. The limit applies to the
    start-up with the initial population, then again to the timed generations."""
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    child = ctx.Process(target=_pymoo_worker, args=(pop, gens, nds, memory_bytes, out), daemon=True)
    child.start()
    deadline = time.monotonic() + timeout
    times: list[float] = []
    note = ""
    timed_out = False
    while len(times) < gens and not note:
        left = deadline - time.monotonic()
        if left <= 0:
            note, timed_out = f"stopped at the {timeout:.0f} s limit", True
            break
        try:
            kind, value = out.get(timeout=min(left, 1.0))
        except queue.Empty:
            if not child.is_alive():
                note = f"pymoo process ended (exit code {child.exitcode})"
            continue
        if kind == "ready":  # start-up and initial population done: the limit restarts
            deadline = time.monotonic() + timeout
        elif kind == "gen":
            times.append(value)
        else:
            note = value
    if child.is_alive():
        child.kill()
    child.join()
    if times and len(times) < gens:
        note = f"{len(times)} of {gens} generations, then {note}"
    return (min(times) if times else None), timed_out, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--gens", type=int, default=5, help="timed generations (best is reported)")
    parser.add_argument("--pymoo-max", type=int, default=100_000, help="largest population timed for pymoo")
    parser.add_argument("--pymoo-gens", type=int, default=2, help="timed pymoo generations per size")
    parser.add_argument("--pymoo-timeout", type=float, default=300.0, help="wall-clock seconds per pymoo size")
    parser.add_argument("--pymoo-memory", type=float, default=0.6, help="pymoo's memory cap, fraction of RAM")
    parser.add_argument("--pymoo-nds", default=None, help="pymoo sorter (default: pymoo's own default)")
    parser.add_argument("--truncation", default="auto", help="evonas NSGA2's truncation (pymoo: one-cut crowding)")
    args = parser.parse_args()
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    memory_bytes = int(args.pymoo_memory * ram)
    print(f"# NSGA-II generation on ZDT1 (30 variables); {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, evonas {evonas.__version__} (truncation={args.truncation!r}); "
          "eliminate_duplicates=False on both sides; "
          f"evonas best of {args.gens}, pymoo best of {args.pymoo_gens} generations "
          f"(sorter: {args.pymoo_nds or 'pymoo default'}, {args.pymoo_timeout:.0f} s limit)\n")
    print("| population | evonas s/gen | pymoo s/gen | ratio | pymoo note |")
    print("|---|---|---|---|---|")
    for pop in (int(s) for s in args.sizes.split(",")):
        ours = evonas_seconds_per_gen(pop, args.gens, args.truncation)
        if pop > args.pymoo_max:
            print(f"| {pop:.0e} | {ours:.3f} | not run | — | above --pymoo-max |", flush=True)
            continue
        peer, timed_out, note = pymoo_seconds_per_gen(
            pop, args.pymoo_gens, args.pymoo_nds, args.pymoo_timeout, memory_bytes
        )
        if peer is not None:
            peer_s, ratio = f"{peer:.3f}", f"{peer / ours:.1f}x"
        elif timed_out:  # not one generation within the limit: a lower bound
            peer_s, ratio = f"> {args.pymoo_timeout:.0f}", f"> {args.pymoo_timeout / ours:.0f}x"
        else:
            peer_s, ratio = "failed", "—"
        print(f"| {pop:.0e} | {ours:.3f} | {peer_s} | {ratio} | {note} |", flush=True)


if __name__ == "__main__":
    main()
