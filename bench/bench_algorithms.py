"""Final-front quality of evonas's algorithms against pymoo's on the same budget.

By default the engine issue's quality bar: ZDT1, ZDT2, ZDT3, ZDT6 (2 objectives) and
DTLZ1, DTLZ2 (3 objectives), evonas NSGA-II / NSGA-III / SMS-EMOA and pymoo NSGA-II.
Population 100, 250 generations (25,000 evaluations), 11 seeds each. Quality is the
hypervolume of the final non-dominated set after normalising by the ideal and nadir of
the known Pareto front, reference point 1.1 per objective (points beyond it count
nothing). Prints median and interquartile range per algorithm and the checks: evonas
NSGA-II's median not below pymoo NSGA-II's, on the 3-objective problems NSGA-III and
SMS-EMOA above NSGA-II, and, where pymoo's NSGA-III / SMS-EMOA ran too, evonas's not
below pymoo's (beyond the bar).

More problems: zdt4, dtlz3 .. dtlz7 (3 objectives) and dtlz1-5obj, dtlz2-5obj (5
objectives), c1dtlz1, c2dtlz2, c3dtlz4 (constrained, 3 objectives; the optimal
hypervolume column is empty where it has no closed form). More algorithms: evonas-nsga2-crowding (NSGA-II with Deb's one cut by crowding
distance, as pymoo's default) and pymoo-nsga2-pruning (pymoo's NSGA-II with its "pcd"
crowding for 2 objectives, "mnn" for more: the like of evonas's default truncation);
evonas-moead, evonas-moead-1 and pymoo-moead (MOEA/D, one member
per Das-Dennis direction; evonas-moead breeds a whole sweep of sub-problems at once,
evonas-moead-1 and pymoo's one child at a time). NSGA-III uses Das-Dennis directions with the most partitions whose count
fits the population (91 directions for 3 objectives at 100, 70 for 5); SMS-EMOA is
steady state (one child per step) on both sides.

    python bench/bench_algorithms.py [--seeds 11] [--gens 250] [--pop 100] [--jobs 2]
        [--problems zdt1,zdt2,zdt3,zdt6,dtlz1,dtlz2] [--algorithms evonas-nsga2,pymoo-nsga2,...]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import time

from math import comb

import numpy as np

#: name -> (evonas problem factory, pymoo get_problem arguments); DEFAULT_PROBLEMS: the issue's set
PROBLEMS = {
    "zdt1": (lambda: _p().ZDT1(n_var=30), ("zdt1", {"n_var": 30})),
    "zdt2": (lambda: _p().ZDT2(n_var=30), ("zdt2", {"n_var": 30})),
    "zdt3": (lambda: _p().ZDT3(n_var=30), ("zdt3", {"n_var": 30})),
    "zdt6": (lambda: _p().ZDT6(n_var=10), ("zdt6", {"n_var": 10})),
    "dtlz1": (lambda: _p().DTLZ1(n_var=7, n_obj=3), ("dtlz1", {"n_var": 7, "n_obj": 3})),
    "dtlz2": (lambda: _p().DTLZ2(n_var=12, n_obj=3), ("dtlz2", {"n_var": 12, "n_obj": 3})),
    "zdt4": (lambda: _p().ZDT4(n_var=10), ("zdt4", {"n_var": 10})),
    "dtlz3": (lambda: _p().DTLZ3(n_var=12, n_obj=3), ("dtlz3", {"n_var": 12, "n_obj": 3})),
    "dtlz4": (lambda: _p().DTLZ4(n_var=12, n_obj=3), ("dtlz4", {"n_var": 12, "n_obj": 3})),
    "dtlz5": (lambda: _p().DTLZ5(n_var=12, n_obj=3), ("dtlz5", {"n_var": 12, "n_obj": 3})),
    "dtlz6": (lambda: _p().DTLZ6(n_var=12, n_obj=3), ("dtlz6", {"n_var": 12, "n_obj": 3})),
    "dtlz7": (lambda: _p().DTLZ7(n_var=22, n_obj=3), ("dtlz7", {"n_var": 22, "n_obj": 3})),
    "dtlz1-5obj": (lambda: _p().DTLZ1(n_var=9, n_obj=5), ("dtlz1", {"n_var": 9, "n_obj": 5})),
    "dtlz2-5obj": (lambda: _p().DTLZ2(n_var=14, n_obj=5), ("dtlz2", {"n_var": 14, "n_obj": 5})),
    "c1dtlz1": (lambda: _p().C1DTLZ1(n_var=7, n_obj=3), ("c1dtlz1", {"n_var": 7, "n_obj": 3})),
    "c2dtlz2": (lambda: _p().C2DTLZ2(n_var=12, n_obj=3), ("c2dtlz2", {"n_var": 12, "n_obj": 3})),
    "c3dtlz4": (lambda: _p().C3DTLZ4(n_var=12, n_obj=3), ("c3dtlz4", {"n_var": 12, "n_obj": 3})),
}
DEFAULT_PROBLEMS = ("zdt1", "zdt2", "zdt3", "zdt6", "dtlz1", "dtlz2")
ALGORITHMS = (
    "evonas-nsga2", "pymoo-nsga2", "evonas-nsga3", "evonas-sms-emoa",
    "pymoo-nsga3", "pymoo-sms-emoa", "evonas-moead", "pymoo-moead", "evonas-moead-1",
    "evonas-nsga2-crowding", "pymoo-nsga2-pruning",
)
DEFAULT_ALGORITHMS = ALGORITHMS[:4]
#: Algorithms only run on problems with at least this many objectives by default.
MANY_OBJECTIVE_ONLY = {"evonas-nsga3": 3, "evonas-sms-emoa": 3, "pymoo-nsga3": 3, "pymoo-sms-emoa": 3}
#: The comparisons beyond the bar: evonas's algorithm -> pymoo's.
PEERS = {
    "evonas-nsga3": "pymoo-nsga3",
    "evonas-sms-emoa": "pymoo-sms-emoa",
    "evonas-moead": "pymoo-moead",
    "evonas-moead-1": "pymoo-moead",
    "evonas-nsga2-crowding": "pymoo-nsga2",
}
#: Like for like beyond the bar: evonas NSGA-II (iterated truncation) against pymoo's
#: NSGA-II with its own iterated crowding functions.
PEERS_ALSO = {"evonas-nsga2": "pymoo-nsga2-pruning"}


def n_partitions(n_obj: int, pop: int) -> int:
    """The most Das-Dennis partitions whose direction count fits the population."""
    p = 1
    while comb(p + 1 + n_obj - 1, n_obj - 1) <= pop:
        p += 1
    return p


def _p():
    from evonas import problems

    return problems


def normalised_hv(F: np.ndarray, front: np.ndarray) -> float:
    from evonas import hypervolume, nondominated

    ideal, nadir = front.min(axis=0), front.max(axis=0)
    Z = (F - ideal) / np.maximum(nadir - ideal, 1e-12)
    Z = Z[nondominated(Z).astype(bool)]
    return hypervolume(Z, np.full(F.shape[1], 1.1))


def run_one(task: tuple[str, str, int, int, int]) -> tuple[str, str, int, float, float]:
    """(algorithm, problem, seed, hv, seconds) of one run."""
    algorithm, name, seed, pop, gens = task
    make, (pymoo_name, pymoo_kwargs) = PROBLEMS[name]
    problem = make()
    t0 = time.perf_counter()
    if algorithm.startswith("pymoo-"):
        from pymoo.optimize import minimize as pymoo_minimize
        from pymoo.problems import get_problem

        if algorithm in ("pymoo-nsga2", "pymoo-nsga2-pruning"):
            from pymoo.algorithms.moo.nsga2 import NSGA2 as PymooNSGA2
            from pymoo.operators.survival.rank_and_crowding import RankAndCrowding

            extra = {}
            if algorithm == "pymoo-nsga2-pruning":  # pymoo's counterparts of evonas's "auto"
                extra["survival"] = RankAndCrowding(crowding_func="pcd" if problem.n_obj <= 2 else "mnn")
            algo, termination = PymooNSGA2(pop_size=pop, **extra), ("n_gen", gens)
        elif algorithm == "pymoo-nsga3":
            from pymoo.algorithms.moo.nsga3 import NSGA3 as PymooNSGA3
            from pymoo.util.ref_dirs import get_reference_directions

            ref_dirs = get_reference_directions("das-dennis", problem.n_obj, n_partitions=n_partitions(problem.n_obj, pop))
            algo, termination = PymooNSGA3(ref_dirs, pop_size=pop), ("n_gen", gens)
        elif algorithm == "pymoo-moead":
            from pymoo.algorithms.moo.moead import MOEAD as PymooMOEAD
            from pymoo.util.ref_dirs import get_reference_directions

            ref_dirs = get_reference_directions("das-dennis", problem.n_obj, n_partitions=n_partitions(problem.n_obj, pop))
            algo, termination = PymooMOEAD(ref_dirs), ("n_gen", gens)
        elif algorithm == "pymoo-sms-emoa":
            from pymoo.algorithms.moo.sms import SMSEMOA as PymooSMSEMOA

            algo, termination = PymooSMSEMOA(pop_size=pop, n_offsprings=1), ("n_evals", pop * gens)
        else:
            raise ValueError(f"unknown algorithm {algorithm!r}")
        res = pymoo_minimize(get_problem(pymoo_name, **pymoo_kwargs), algo, termination, seed=seed)
        F = np.atleast_2d(res.F)
    else:
        import evonas

        if algorithm in ("evonas-nsga2", "evonas-nsga2-crowding"):
            truncation = "crowding" if algorithm == "evonas-nsga2-crowding" else "auto"
            algo = evonas.NSGA2(pop_size=pop, truncation=truncation)
            termination = ("n_gen", gens)
        elif algorithm == "evonas-nsga3":
            algo = evonas.NSGA3(evonas.das_dennis(problem.n_obj, n_partitions(problem.n_obj, pop)), pop_size=pop)
            termination = ("n_gen", gens)
        elif algorithm in ("evonas-moead", "evonas-moead-1"):
            W = evonas.das_dennis(problem.n_obj, n_partitions(problem.n_obj, pop))
            if algorithm == "evonas-moead":
                algo, termination = evonas.MOEAD(W), ("n_gen", gens)
            else:  # the classic loop: one child per ask, as many evaluations
                algo, termination = evonas.MOEAD(W, n_offsprings=1), ("n_eval", len(W) * gens)
        elif algorithm == "evonas-sms-emoa":
            from evonas.algorithms.sms_emoa import SMSEMOA

            algo = SMSEMOA(pop_size=pop)
            termination = ("n_eval", pop * gens)
        else:
            raise ValueError(f"unknown algorithm {algorithm!r}")
        F = evonas.minimize(problem, algo, termination, seed=seed).F
    seconds = time.perf_counter() - t0
    return algorithm, name, seed, normalised_hv(F, problem.pareto_front()), seconds


def _verdict(a: float, b: float, passed: bool) -> str:
    if a == 0.0 and b == 0.0:
        return "TIE"
    return "PASS" if passed else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=11)
    parser.add_argument("--gens", type=int, default=250)
    parser.add_argument("--pop", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--problems", default=",".join(DEFAULT_PROBLEMS), help=f"from {','.join(PROBLEMS)}")
    parser.add_argument("--algorithms", default=",".join(DEFAULT_ALGORITHMS), help=f"from {','.join(ALGORITHMS)}")
    args = parser.parse_args()
    problems = args.problems.split(",")
    algorithms = args.algorithms.split(",")
    for name in problems:
        if name not in PROBLEMS:
            parser.error(f"unknown problem {name!r}; choose from {', '.join(PROBLEMS)}")
    for name in algorithms:
        if name not in ALGORITHMS:
            parser.error(f"unknown algorithm {name!r}; choose from {', '.join(ALGORITHMS)}")

    tasks = []
    for name in problems:
        n_obj = PROBLEMS[name][0]().n_obj
        for algorithm in algorithms:
            if n_obj < MANY_OBJECTIVE_ONLY.get(algorithm, 0):
                continue
            tasks += [(algorithm, name, seed, args.pop, args.gens) for seed in range(1, args.seeds + 1)]
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, jobs={args.jobs}")
    print(f"# pop {args.pop}, {args.gens} generations ({args.pop * args.gens} evaluations), seeds 1..{args.seeds}")
    with mp.get_context("spawn").Pool(args.jobs) as pool:
        results = pool.map(run_one, tasks, chunksize=1)

    table: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for algorithm, name, _seed, hv, seconds in results:
        table.setdefault((name, algorithm), []).append((hv, seconds))
    medians: dict[tuple[str, str], float] = {}
    print(f"\n| problem | algorithm | median HV | IQR | optimal HV | s/run |")
    print("|---|---|---|---|---|---|")
    for name in problems:
        problem = PROBLEMS[name][0]()
        front = problem.pareto_front()
        ideal, nadir = front.min(axis=0), front.max(axis=0)
        scale = np.maximum(nadir - ideal, 1e-12)
        # The exact optimum (closed form) in the same normalised space, where known.
        try:
            optimum = f"{problem.optimal_hypervolume(ideal + 1.1 * scale) / np.prod(scale):.5f}"
        except NotImplementedError:
            optimum = "—"
        for algorithm in algorithms:
            rows = table.get((name, algorithm))
            if not rows:
                continue
            hv = np.array([r[0] for r in rows])
            q1, med, q3 = np.percentile(hv, [25, 50, 75])
            medians[(name, algorithm)] = med
            sec = np.median([r[1] for r in rows])
            print(f"| {name} | {algorithm} | {med:.5f} | {q3 - q1:.5f} | {optimum} | {sec:.2f} |")

    print("\nChecks (TIE: both medians 0, nothing reached the normalised front's box):")
    for name in problems:
        ours, peer = medians.get((name, "evonas-nsga2")), medians.get((name, "pymoo-nsga2"))
        if ours is not None and peer is not None:
            verdict = _verdict(ours, peer, ours >= peer)
            print(f"  {verdict} {name}: evonas NSGA-II median {ours:.5f} vs pymoo NSGA-II {peer:.5f}")
        for better in ("evonas-nsga3", "evonas-sms-emoa"):
            value = medians.get((name, better))
            if value is not None and ours is not None:
                verdict = _verdict(value, ours, value > ours)
                print(f"  {verdict} {name}: {better} median {value:.5f} vs evonas NSGA-II {ours:.5f}")
        for mine, theirs in [*PEERS.items(), *PEERS_ALSO.items()]:
            value, peer = medians.get((name, mine)), medians.get((name, theirs))
            if value is not None and peer is not None:
                verdict = _verdict(value, peer, value >= peer)
                print(f"  {verdict} {name}: {mine} median {value:.5f} vs {theirs} {peer:.5f} (beyond the bar)")


if __name__ == "__main__":
    main()
