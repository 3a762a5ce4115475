"""Final-front quality of evonas's algorithms against pymoo's NSGA-II on the same budget.

ZDT1, ZDT2, ZDT3, ZDT6 (2 objectives) and DTLZ1, DTLZ2 (3 objectives); population
100, 250 generations (25,000 evaluations), 11 seeds each. Quality is the
hypervolume of the final non-dominated set after normalising by the ideal and
nadir of the known Pareto front, reference point 1.1 per objective (points beyond
it count nothing). Prints median and interquartile range per algorithm and the
checks of the quality bar: evonas NSGA-II's median not below pymoo NSGA-II's, and
on the 3-objective problems NSGA-III and SMS-EMOA above NSGA-II.

    python bench/bench_algorithms.py [--seeds 11] [--gens 250] [--pop 100] [--jobs 2]
        [--problems zdt1,zdt2,zdt3,zdt6,dtlz1,dtlz2] [--algorithms evonas-nsga2,pymoo-nsga2,...]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import time

import numpy as np

#: name -> (evonas problem factory, pymoo get_problem arguments)
PROBLEMS = {
    "zdt1": (lambda: _p().ZDT1(n_var=30), ("zdt1", {"n_var": 30})),
    "zdt2": (lambda: _p().ZDT2(n_var=30), ("zdt2", {"n_var": 30})),
    "zdt3": (lambda: _p().ZDT3(n_var=30), ("zdt3", {"n_var": 30})),
    "zdt6": (lambda: _p().ZDT6(n_var=10), ("zdt6", {"n_var": 10})),
    "dtlz1": (lambda: _p().DTLZ1(n_var=7, n_obj=3), ("dtlz1", {"n_var": 7, "n_obj": 3})),
    "dtlz2": (lambda: _p().DTLZ2(n_var=12, n_obj=3), ("dtlz2", {"n_var": 12, "n_obj": 3})),
}
ALGORITHMS = ("evonas-nsga2", "pymoo-nsga2", "evonas-nsga3", "evonas-sms-emoa")
#: Algorithms only run on problems with at least this many objectives by default.
MANY_OBJECTIVE_ONLY = {"evonas-nsga3": 3, "evonas-sms-emoa": 3}


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
    if algorithm == "pymoo-nsga2":
        from pymoo.algorithms.moo.nsga2 import NSGA2 as PymooNSGA2
        from pymoo.optimize import minimize as pymoo_minimize
        from pymoo.problems import get_problem

        res = pymoo_minimize(get_problem(pymoo_name, **pymoo_kwargs), PymooNSGA2(pop_size=pop), ("n_gen", gens), seed=seed)
        F = np.atleast_2d(res.F)
    else:
        import evonas

        if algorithm == "evonas-nsga2":
            algo = evonas.NSGA2(pop_size=pop)
            termination = ("n_gen", gens)
        elif algorithm == "evonas-nsga3":
            from evonas.algorithms.nsga3 import NSGA3
            from evonas.algorithms.ref_dirs import das_dennis

            # 12 partitions: 91 directions for 3 objectives (Deb and Jain's setting).
            algo = NSGA3(das_dennis(problem.n_obj, 12 if problem.n_obj == 3 else 99 // problem.n_obj), pop_size=pop)
            termination = ("n_gen", gens)
        elif algorithm == "evonas-sms-emoa":
            from evonas.algorithms.sms_emoa import SMSEMOA

            algo = SMSEMOA(pop_size=pop)
            termination = ("n_eval", pop * gens)
        else:
            raise ValueError(f"unknown algorithm {algorithm!r}")
        F = evonas.minimize(problem, algo, termination, seed=seed).F
    seconds = time.perf_counter() - t0
    return algorithm, name, seed, normalised_hv(F, problem.pareto_front()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=11)
    parser.add_argument("--gens", type=int, default=250)
    parser.add_argument("--pop", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS))
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
        # The exact optimum (closed form) in the same normalised space.
        optimum = problem.optimal_hypervolume(ideal + 1.1 * scale) / np.prod(scale)
        for algorithm in algorithms:
            rows = table.get((name, algorithm))
            if not rows:
                continue
            hv = np.array([r[0] for r in rows])
            q1, med, q3 = np.percentile(hv, [25, 50, 75])
            medians[(name, algorithm)] = med
            sec = np.median([r[1] for r in rows])
            print(f"| {name} | {algorithm} | {med:.5f} | {q3 - q1:.5f} | {optimum:.5f} | {sec:.2f} |")

    print("\nChecks:")
    for name in problems:
        ours, peer = medians.get((name, "evonas-nsga2")), medians.get((name, "pymoo-nsga2"))
        if ours is not None and peer is not None:
            verdict = "PASS" if ours >= peer else "FAIL"
            print(f"  {verdict} {name}: evonas NSGA-II median {ours:.5f} vs pymoo NSGA-II {peer:.5f}")
        for better in ("evonas-nsga3", "evonas-sms-emoa"):
            value = medians.get((name, better))
            if value is not None and ours is not None:
                verdict = "PASS" if value > ours else "FAIL"
                print(f"  {verdict} {name}: {better} median {value:.5f} vs evonas NSGA-II {ours:.5f}")


if __name__ == "__main__":
    main()
