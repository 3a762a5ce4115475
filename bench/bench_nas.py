"""Architecture search quality: evonas's search against random search and Optuna's NSGA-II at equal trainings.

Every method searches the same space (``search_space(SearchSettings())``: the
default NASSpace, compression off) on the same data (digits, split seed 0) and
gets the same number of trained candidates (``--budget``, default 120):

* ``evonas``: :func:`evonas.nas.search` with its defaults (surrogate screening,
  multi-fidelity, weight inheritance; a training counts once whatever its fidelity), no
  retraining of the front; variants (`EVONAS`): ``evonas-no-surrogate``
  (no surrogate screening), ``evonas-full`` (full training of every
  candidate: no multi-fidelity, no inheritance);
* ``random``: uniform genomes of the space (``Space.sample``);
* ``optuna-nsga2``: Optuna's ``NSGAIISampler`` (population = evonas's), every
  gene suggested over the same range (real genes log-scaled where the gene is,
  categorical genes by choice index), driven by ask/tell.

Random and Optuna decode, repair and train each genome exactly like the search
does (full epochs of the architecture, the search's evaluation plan). Quality
is the hypervolume of the trained candidates in the search's fixed space
(error vs log10 params, reference (1, 8)). Prints per run the HV, the
trainings, the epochs of the successful trainings (evonas's multi-fidelity and
inheritance train fewer per candidate) and the wall time; then the medians per
method and the acceptance check of issue 4: evonas's median HV above every
other method's.

    python bench/bench_nas.py [--budget 120] [--seeds 5] [--population 20] [--jobs 2]
        [--methods evonas,evonas-no-surrogate,evonas-full,random,optuna-nsga2]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import os
import platform
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

#: evonas variants: method name -> search() settings on top of the defaults.
EVONAS = {
    "evonas": {},
    "evonas-no-surrogate": {"surrogate": False},
    "evonas-full": {"multi_fidelity": False, "inherit": False},
}
METHODS = ("evonas", "random", "optuna-nsga2")
#: The data set every method searches on, and its split seed.
DATA, DATA_SEED = "digits", 0
#: Draws of genomes that cannot be built (cheap costs fail) allowed per training of the budget.
MAX_DRAWS_PER_TRAINING = 10


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


def _setup() -> tuple[Any, Any, Any, Any]:
    """(settings, NAS space, data, evaluation plan) as the search builds them."""
    from evonas.nas.data import load_data
    from evonas.nas.evaluate import EvalPlan
    from evonas.nas.objectives import parse_objectives
    from evonas.nas.search import SearchSettings, resolve_device, search_space

    cfg = SearchSettings()
    plan = EvalPlan(
        objectives=parse_objectives(cfg.objectives),
        device=resolve_device(cfg.device),
        inherit_fraction=cfg.inherit_fraction,
        finetune_epochs=cfg.finetune_epochs,
        time_limit=cfg.candidate_time_limit,
    )
    return cfg, search_space(cfg), load_data(DATA, seed=DATA_SEED), plan


def _train(nas: Any, row: np.ndarray, data: Any, plan: Any, seed: int) -> tuple[dict[str, float] | None, int] | None:
    """Decode, repair and train one genome like the search does: None when it
    cannot be built (no training used), else (measured values or None when the
    training failed, epochs trained)."""
    from evonas.nas.evaluate import cheap_values, evaluate

    arch = nas.repair(nas.decode(row[None, :])[0], data.input_shape)
    try:
        cheap = cheap_values(arch, data, plan)
    except Exception:  # the search does not train (or count) a candidate it cannot build either
        return None
    ev = evaluate(arch, data, plan, seed=seed, epochs=arch.epochs)
    if ev.status != "done":
        return None, 0
    return {**cheap, **ev.values}, ev.fidelity


def _candidate_seed(seed: int, k: int) -> int:
    return (seed * 1_000_003 + k) % (2**31)


def _budgeted(
    budget: int,
    ask: Callable[[], np.ndarray],
    train: Callable[[np.ndarray, int], Any],
    tell: Callable[[Any], None],
) -> tuple[list[dict[str, float]], int, int]:
    """Train the genomes `ask` proposes until `budget` trainings are used;
    (values of the successful ones, trainings, their epochs). `tell` gets
    each outcome of `train`."""
    rows: list[dict[str, float]] = []
    trainings = epochs = draws = 0
    while trainings < budget:
        if draws >= MAX_DRAWS_PER_TRAINING * budget:
            raise RuntimeError(f"{draws} genomes drawn but only {trainings} could be built and trained")
        outcome = train(ask(), draws)
        draws += 1
        tell(outcome)
        if outcome is None:
            continue
        trainings += 1
        values, n_epochs = outcome
        if values is not None:
            rows.append(values)
            epochs += n_epochs
    return rows, trainings, epochs


def _random_asker(space: Any, seed: int, batch: int) -> Callable[[], np.ndarray]:
    """Uniform genomes, drawn `batch` at a time."""
    rows = (row for k in itertools.count() for row in space.sample(batch, seed=_candidate_seed(seed, k)))
    return lambda: next(rows)


class _OptunaNSGA2:
    """Optuna's NSGA-II over the genes of `space`, one ask/tell trial at a time."""

    def __init__(self, space: Any, population: int, seed: int) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        self.study = optuna.create_study(
            directions=["maximize", "minimize"],
            sampler=optuna.samplers.NSGAIISampler(population_size=population, seed=seed),
        )
        self.trial: Any = None

    def ask(self) -> np.ndarray:
        from evonas.space import Categorical, Integer

        self.trial = trial = self.study.ask()
        row = []
        for gene in self.space:
            if isinstance(gene, Categorical):
                row.append(trial.suggest_categorical(gene.name, list(range(len(gene.choices)))))
            elif isinstance(gene, Integer):
                row.append(trial.suggest_int(gene.name, gene.low, gene.high))
            else:
                row.append(trial.suggest_float(gene.name, gene.low, gene.high, log=gene.log))
        return np.array(row, dtype=np.float64)

    def tell(self, outcome: tuple[dict[str, float] | None, int] | None) -> None:
        from optuna.trial import TrialState

        values = None if outcome is None else outcome[0]
        if values is None:  # not buildable or training failed: NSGA-II leaves failed trials out
            self.study.tell(self.trial, state=TrialState.FAIL)
        else:
            self.study.tell(self.trial, [values["accuracy"], values["params"]])


def run_one(task: tuple[str, int, int, int]) -> tuple[str, int, float, int, int, float]:
    """(method, seed, hypervolume, trainings, epochs, seconds) of one run."""
    method, seed, budget, population = task
    from evonas.nas.objectives import front_hypervolume, parse_objectives

    cfg, nas, data, plan = _setup()
    objectives = parse_objectives(cfg.objectives)
    t0 = time.perf_counter()
    if method in EVONAS:
        from evonas.nas.search import search
        from evonas.store import Store

        with tempfile.TemporaryDirectory(prefix="bench_nas_") as tmp:
            result = search(data, out=tmp, budget=budget, population=population, seed=seed, retrain=0, progress=False,
                            workers=1, **EVONAS[method])
            with Store(result.run_dir / "study.db") as store:
                epochs = sum(c.fidelity for c in store.candidates(status="done"))
        rows, trainings = [r["values"] for r in result.front], result.n_trained
    else:
        train = lambda genome, k: _train(nas, genome, data, plan, _candidate_seed(seed, k))  # noqa: E731
        if method == "random":
            rows, trainings, epochs = _budgeted(budget, _random_asker(nas.space, seed, budget), train, lambda outcome: None)
        elif method == "optuna-nsga2":
            optimizer = _OptunaNSGA2(nas.space, population, seed)
            rows, trainings, epochs = _budgeted(budget, optimizer.ask, train, optimizer.tell)
        else:
            raise ValueError(f"unknown method {method!r}")
    seconds = time.perf_counter() - t0
    return method, seed, front_hypervolume(objectives, rows), trainings, epochs, seconds


def _check_positive(parser: argparse.ArgumentParser, args: argparse.Namespace, name: str, minimum: int) -> None:
    if getattr(args, name) < minimum:
        parser.error(f"--{name} must be >= {minimum}, but it is {getattr(args, name)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=120, help="trained candidates per run (default 120)")
    parser.add_argument("--seeds", type=int, default=5, help="runs per method (default 5)")
    parser.add_argument("--first-seed", type=int, default=1,
                        help="seeds FIRST..FIRST+N-1 (default 1; runs are deterministic, so parts can be run apart)")
    parser.add_argument("--population", type=int, default=20, help="evonas and Optuna NSGA-II population (default 20)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="runs in parallel (default: all cores)")
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    for name, minimum in (("budget", 1), ("seeds", 1), ("first_seed", 0), ("population", 4), ("jobs", 1)):
        _check_positive(parser, args, name, minimum)
    methods = args.methods.split(",")
    known = [*EVONAS, *METHODS[1:]]
    for name in methods:
        if name not in known:
            parser.error(f"unknown method {name!r}; choose from {', '.join(known)}")
    if len(set(methods)) != len(methods):
        parser.error(f"--methods names a method twice: {args.methods}")

    import optuna
    import torch

    seeds = range(args.first_seed, args.first_seed + args.seeds)
    tasks = [(method, seed, args.budget, args.population) for seed in seeds for method in methods]
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, jobs={args.jobs}")
    print(f"# torch {torch.__version__} (1 thread per run, cuda: {torch.cuda.is_available()}), optuna {optuna.__version__}")
    print(
        f"# {DATA} (split seed {DATA_SEED}), budget {args.budget} trainings, "
        f"population {args.population}, seeds {seeds[0]}..{seeds[-1]}"
    )
    print("# HV: error vs log10(params), reference (1, 8)\n")
    print("| method | seed | HV | trainings | epochs | s |")
    print("|---|---|---|---|---|---|", flush=True)
    results = []
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(args.jobs, initializer=_init_worker) as pool:
        for method, seed, hv, trainings, epochs, seconds in pool.imap_unordered(run_one, tasks):
            results.append((method, seed, hv, trainings, epochs, seconds))
            print(f"| {method} | {seed} | {hv:.5f} | {trainings} | {epochs} | {seconds:.1f} |", flush=True)

    medians: dict[str, float] = {}
    print("\n| method | median HV | IQR | min HV | median epochs | median s/run |")
    print("|---|---|---|---|---|---|")
    for method in methods:
        rows = [r for r in results if r[0] == method]
        hv = np.array([r[2] for r in rows])
        q1, med, q3 = np.percentile(hv, [25, 50, 75])
        medians[method] = float(med)
        epochs = np.median([r[4] for r in rows])
        sec = np.median([r[5] for r in rows])
        print(f"| {method} | {med:.5f} | {q3 - q1:.5f} | {hv.min():.5f} | {epochs:.0f} | {sec:.1f} |")

    peers = {m: v for m, v in medians.items() if m not in EVONAS}
    if peers:
        print("\nChecks:")
        for ours in (m for m in medians if m in EVONAS):
            for method, value in peers.items():
                verdict = "PASS" if medians[ours] > value else "FAIL"
                print(f"  {verdict} {ours} median HV {medians[ours]:.5f} > {method} {value:.5f}")
    wall = time.perf_counter() - t0
    print(f"\n{len(results)} runs, {sum(r[5] for r in results):.0f} s of run time, {wall:.0f} s wall (jobs={args.jobs})")


if __name__ == "__main__":
    main()
