"""The architecture search: NSGA-II over a :class:`NASSpace`, every candidate
persisted in the run's study store as it is evaluated, resumable after a kill.

One generation: ask the engine for genomes; decode and repair them; compute
the cheap costs and set aside (untrained, "infeasible") every candidate that
breaks a hard limit on them; train the rest, optionally in two fidelities
(successive halving: all briefly, the non-dominated part to the full budget),
children inheriting the weights of their nearest trained population member;
compress (prune, quantise) and measure; persist; tell the engine. At the end
the best models of the front are retrained from scratch with the full budget
and evaluated on the held-out test split.

With ``surrogate=True`` (the default) the engine breeds a pool of
``pool_factor`` times the generation and a surrogate screens it first
(:mod:`evonas.nas.screening`); only the chosen candidates are stored, trained
and told.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pickle
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..algorithms import NSGA2
from ..pareto import non_dominated_sort
from ..store import Store
from .arch import Architecture
from .data import DataSplits, load_data
from .evaluate import EvalPlan, Evaluation, cheap_values, evaluate
from .objectives import (
    Objective,
    engine_values,
    front_hypervolume,
    parse_constraints,
    parse_objectives,
    violations,
)
from .space import NASSpace

__all__ = ["SearchSettings", "SearchResult", "default_workers", "search", "resolve_device"]


@dataclass(frozen=True)
class SearchSettings:
    """Everything that defines a search run (kept in the run's store, so a
    resumed run continues with the same settings).

    Attributes
    ----------
    data : str
        "digits" (embedded) or a path to an ``.npz`` file.
    objectives : tuple of str
        Names from :data:`evonas.nas.objectives.OBJECTIVES`.
    constraints : tuple of str
        Hard limits such as ``"params<=50000"``.
    budget : int or None
        Candidates to train (each training counts once, whatever its fidelity).
    time_limit : float or None
        Seconds of search; checked between candidates.
    population : int
        Engine population (and candidates per generation).
    device : str
        "auto", "cpu" or "cuda".
    workers : int
        Candidates trained concurrently (worker processes when > 1, each with
        cores // workers torch threads). Default: one per core, at most 4:
        small networks leave a device idle between their kernels (on the
        2-core machine, 2 workers train 1.9x as many candidates per minute).
    seed : int
    multi_fidelity : bool
        Train every candidate for `fidelity_fraction` of its epochs first and
        only the non-dominated `promote_fraction` to the full budget.
    inherit : bool
        Children start from the weights of their nearest trained population
        member and train `inherit_fraction` of their epochs.
    retrain : int
        Models of the final front retrained with the full budget and
        evaluated on the test split.
    candidate_time_limit : float or None
        Seconds one training may take (then status "timeout", infeasible).
    space : dict or None
        :meth:`NASSpace.to_dict` of the search space; None for the default.
    surrogate : bool
        Screening (on by default: it found better fronts at equal trainings,
        bench/RESULTS.md): from the second generation on, the
        engine breeds `pool_factor` times `population` children, a forest
        surrogate fitted on the trained candidates predicts their objectives
        (parameters and MACs are exact) and only the `population` chosen by
        :func:`evonas.nas.screening.choose` are stored, trained and told.
    pool_factor : int
        Bred children per trained one when screening (>= 1).
    kappa : float
        Weight of the predicted uncertainty in the screening (>= 0). 0.3 by
        default: on the tabular benchmark (bench/bench_surrogate_nas.py),
        0 to 0.3 reached plain NSGA-II's 300-training hypervolume within 150
        trainings (median of 10 seeds) where 1 and 3 had not after 300.
    """

    data: str = "digits"
    objectives: tuple[str, ...] = ("accuracy", "params")
    constraints: tuple[str, ...] = ()
    budget: int | None = 360
    time_limit: float | None = None
    population: int = 30
    device: str = "auto"
    workers: int = dataclasses.field(default_factory=lambda: default_workers())
    seed: int = 0
    multi_fidelity: bool = True
    fidelity_fraction: float = 0.34
    promote_fraction: float = 0.5
    inherit: bool = True
    inherit_fraction: float = 0.5
    finetune_epochs: int = 2
    retrain: int = 3
    candidate_time_limit: float | None = 300.0
    space: dict[str, Any] | None = None
    surrogate: bool = True
    pool_factor: int = 100
    kappa: float = 0.3

    def __post_init__(self) -> None:
        parse_objectives(self.objectives)
        parse_constraints(self.constraints)
        if self.budget is None and self.time_limit is None:
            raise ValueError("give a 'budget' (trainings) or a 'time_limit' (seconds): a search must end")
        _positive_int(self.population, "population", 4)
        _positive_int(self.workers, "workers", 1)
        if self.budget is not None:
            _positive_int(self.budget, "budget", 1)
        for name in ("time_limit", "candidate_time_limit"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"'{name}' must be a number of seconds > 0 or None, but it is {value!r}")
        for name in ("fidelity_fraction", "promote_fraction", "inherit_fraction"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value <= 1):
                raise ValueError(f"'{name}' must be in (0, 1], but it is {value!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"'device' must be 'auto', 'cpu' or 'cuda', but it is {self.device!r}")
        _positive_int(self.retrain, "retrain", 0)
        _positive_int(self.finetune_epochs, "finetune_epochs", 0)
        if not isinstance(self.surrogate, bool):
            raise ValueError(f"'surrogate' must be a bool, but it is {self.surrogate!r}")
        _positive_int(self.pool_factor, "pool_factor", 1)
        if isinstance(self.kappa, bool) or not isinstance(self.kappa, (int, float)) or not 0 <= self.kappa < math.inf:
            raise ValueError(f"'kappa' must be a finite number >= 0, but it is {self.kappa!r}")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SearchSettings:
        raw = json.loads(text)
        for key in ("objectives", "constraints"):
            raw[key] = tuple(raw[key])
        return cls(**raw)


def default_workers() -> int:
    """One worker per core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def _positive_int(value: Any, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"'{name}' must be an int >= {minimum}, but it is {value!r}")


def resolve_device(device: str) -> str:
    """"auto" → "cuda" when torch sees a GPU, else "cpu"; "cuda" without one is an error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for, but torch sees no CUDA device (use 'auto' or 'cpu')")
    return device


@dataclass
class _Book:
    """Search bookkeeping pickled with the engine after every generation."""

    generation: int = 0
    trainings: int = 0
    elapsed: float = 0.0
    #: candidate id of each member of the engine population, in row order
    population_ids: list[int] = field(default_factory=list)


@dataclass
class SearchResult:
    """What a finished (or stopped) search returns; the run directory holds all of it."""

    run_dir: Path
    front: list[dict[str, Any]]
    n_trained: int
    seconds: float
    hypervolume: float
    retrained: list[dict[str, Any]]


def search(
    data: str | DataSplits = "digits",
    /,
    *,
    out: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    progress: bool | Callable[[str], Any] = True,
    **settings: Any,
) -> SearchResult:
    """Run (or resume) an architecture search and return its Pareto front.

    Parameters
    ----------
    data : str or DataSplits
        "digits", a path to an ``.npz``, or data split already
        (:func:`evonas.nas.data.load_data`).
    out : path, optional
        Run directory to create (default ``runs/<timestamp>``).
    resume : path, optional
        A run directory to continue; its settings are used (``budget`` and
        ``time_limit`` may be raised through `settings`).
    progress : bool or callable
        Print a progress line per trained candidate (or pass each line to the
        callable).
    **settings
        Fields of :class:`SearchSettings`.

    Returns
    -------
    SearchResult
    """
    say = _progress(progress)
    if resume is not None:
        run_dir = Path(resume)
        store_path = run_dir / "study.db"
        if not store_path.exists():
            raise FileNotFoundError(f"'resume': {run_dir} holds no study.db: not an evonas run directory")
        store = Store(store_path)
        base = SearchSettings.from_json(store.get_meta("settings"))
        unknown = set(settings) - {"budget", "time_limit", "workers", "device"}
        if unknown:
            raise ValueError(f"a resumed run keeps its settings; only budget, time_limit, workers, device may change, not {sorted(unknown)}")
        cfg = dataclasses.replace(base, **settings)
        store.set_meta("settings", cfg.to_json())
    else:
        if isinstance(data, str):
            settings.setdefault("data", data)
        cfg = SearchSettings(**settings)
        run_dir = Path(out) if out is not None else Path("runs") / time.strftime("%Y%m%d-%H%M%S")
        if (run_dir / "study.db").exists():
            raise FileExistsError(f"'out': {run_dir} already holds a run; pass resume={str(run_dir)!r} to continue it")
        run_dir.mkdir(parents=True, exist_ok=True)
        store = Store(run_dir / "study.db")
        store.set_meta("settings", cfg.to_json())
    splits = data if isinstance(data, DataSplits) else load_data(cfg.data, seed=cfg.seed)
    if resume is None:
        store.set_meta("data", {"name": splits.name, "input_shape": list(splits.input_shape), "n_classes": splits.n_classes})
    try:
        return _Search(cfg, splits, store, run_dir, say).run()
    finally:
        store.close()


def _key(row: np.ndarray) -> bytes:
    return np.ascontiguousarray(row, dtype=np.float64).tobytes()


def _progress(progress: bool | Callable[[str], Any]) -> Callable[[str], Any]:
    if callable(progress):
        return progress
    if progress:
        return lambda line: print(line, file=sys.stderr, flush=True)
    return lambda line: None


class _Search:
    def __init__(self, cfg: SearchSettings, data: DataSplits, store: Store, run_dir: Path, say: Callable[[str], Any]):
        self.cfg, self.data, self.store, self.run_dir, self.say = cfg, data, store, run_dir, say
        self.objectives = parse_objectives(cfg.objectives)
        self.constraints = parse_constraints(cfg.constraints)
        self.space = search_space(cfg)
        self.device = resolve_device(cfg.device)
        self.plan = EvalPlan(
            objectives=self.objectives,
            constraints=self.constraints,
            device=self.device,
            inherit_fraction=cfg.inherit_fraction,
            finetune_epochs=cfg.finetune_epochs,
            time_limit=cfg.candidate_time_limit,
        )
        (run_dir / "weights").mkdir(exist_ok=True)
        self.pool: ProcessPoolExecutor | None = None
        self._cheap: dict[int, dict[str, float]] = {}  # candidate id -> costs known before training
        self._elapsed0 = 0.0
        self.started = time.perf_counter()

    # -- the loop ---------------------------------------------------------------

    def run(self) -> SearchResult:
        algo, book = self._load_or_start()
        self.book = book
        self._elapsed0 = book.elapsed
        try:
            if self.cfg.workers > 1:
                self.pool = _worker_pool(self.cfg.workers, self.data)
            while not self._out_of_budget():
                X = algo.ask()
                generation = algo.n_gen + 1
                if self.cfg.surrogate and generation > 1:
                    X = self._screen(algo, X, generation)
                done = self._generation(algo, X, generation)
                if not done:
                    break  # budget or time ran out inside the generation: its rest stays pending
                book.elapsed = self._elapsed()
                self.store.save_state(pickle.dumps((algo, book)), generation)
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        from .report import write_report

        retrained = self._retrain()
        front = self._front_rows()
        hv = front_hypervolume(self.objectives, [r["values"] for r in front])
        write_report(self.run_dir)
        seconds = self._elapsed()
        self.say(f"done: {self.book.trainings} trained, front of {len(front)}, HV {hv:.4f}, {seconds:.0f} s -> {self.run_dir}")
        return SearchResult(self.run_dir, front, self.book.trainings, seconds, hv, retrained)

    def _load_or_start(self) -> tuple[NSGA2, _Book]:
        saved = self.store.load_state()
        if saved is not None:
            algo, book = pickle.loads(saved[0])
            # The store is the truth: trainings finished after the last saved generation count too.
            book.trainings = sum(1 for c in self.store.candidates() if _was_trained(c))
            return algo, book
        pool = self.cfg.population * self.cfg.pool_factor if self.cfg.surrogate else None
        algo = NSGA2(pop_size=self.cfg.population, n_offsprings=pool).setup(self.space.space, seed=self.cfg.seed)
        return algo, _Book()

    def _out_of_budget(self) -> bool:
        if self.cfg.budget is not None and self.book.trainings >= self.cfg.budget:
            return True
        return self.cfg.time_limit is not None and self._elapsed() >= self.cfg.time_limit

    def _elapsed(self) -> float:
        """Seconds of search over all sessions of this run."""
        return self._elapsed0 + time.perf_counter() - self.started

    # -- one generation -----------------------------------------------------------

    def _screen(self, algo: NSGA2, X: np.ndarray, generation: int) -> np.ndarray:
        """Narrow the engine's bred pool `X` to the `population` worth training.

        The surrogate learns from the trained candidates of the earlier
        generations only, so a resumed generation screens the same rows.
        """
        from .screening import choose

        history = [c for c in self.store.candidates(status="done") if c.generation < generation]
        rows = choose(
            self.space,
            X,
            history,
            self.objectives,
            self.constraints,
            self.data.input_shape,
            self.data.n_classes,
            self.cfg.population,
            kappa=self.cfg.kappa,
            seed=self._seed(generation, 0),
        )
        return algo.select_pending(rows)

    def _generation(self, algo: NSGA2, X: np.ndarray, generation: int) -> bool:
        """Evaluate the batch `X`; tell the engine and return True, or return
        False when the budget ran out first (the untrained rest stays pending)."""
        archs = [self.space.repair(a, self.data.input_shape) for a in self.space.decode(X)]
        earlier = {tuple(c.genome): c for c in self.store.candidates(generation=generation)}
        ids: list[int] = []
        values: list[dict[str, float] | None] = []
        to_train: list[int] = []
        for i, (row, arch) in enumerate(zip(X, archs)):
            old = earlier.get(tuple(float(v) for v in row))
            if old is not None and old.status in ("done", "failed", "infeasible"):
                ids.append(old.id)
                values.append(dict(old.objectives or {}))
                continue
            parent = self._parent(algo, row) if generation > 1 and self.cfg.inherit else None
            seed = self._seed(generation, i) if old is None else old.seed
            if old is not None:
                cid = old.id
            else:
                cid = self.store.add(
                    generation=generation,
                    genome=[float(v) for v in row],
                    arch=arch.to_json(),
                    parent_ids=[] if parent is None else [parent],
                    seed=seed,
                )
            ids.append(cid)
            try:
                cheap = cheap_values(arch, self.data, self.plan, seed=seed)
            except Exception as exc:  # a candidate that cannot even be built is a failed one
                self.store.fail(cid, f"{_UNBUILT}: {type(exc).__name__}: {exc}")
                values.append({})
                continue
            self._cheap[cid] = cheap
            broken = [str(c) for c in self.constraints if c.objective.cheap and c.violation(cheap[c.objective.name]) > 0]
            if broken:
                self.store.finish(
                    cid,
                    objectives=cheap,
                    constraints=violations(self.constraints, cheap).tolist(),
                    status="infeasible",
                    error=f"not trained: breaks {', '.join(broken)}",
                )
                values.append(cheap)
            else:
                values.append(None)
                to_train.append(i)
        trained = self._train(to_train, ids, archs)
        if trained is None:
            return False
        for i, vals in trained.items():
            values[i] = vals
        F = np.array([engine_values(self.objectives, v or {}) for v in values])
        G = np.array([violations(self.constraints, v or {}) for v in values]).reshape(len(values), len(self.constraints))
        previous = {} if algo.X is None else dict(zip(map(_key, algo.X), self.book.population_ids))
        algo.tell(F, G if self.constraints else None)
        known = {**previous, **dict(zip(map(_key, X), ids))}
        assert algo.X is not None
        self.book.population_ids = [known.get(_key(row), -1) for row in algo.X]
        self.book.generation = generation
        return True

    def _seed(self, generation: int, index: int) -> int:
        return (self.cfg.seed * 1_000_003 + generation * 10_007 + index) % (2**31)

    def _parent(self, algo: NSGA2, row: np.ndarray) -> int | None:
        """The nearest trained member of the population (normalised genome distance)."""
        if algo.X is None or not self.book.population_ids:
            return None
        lo, hi = self.space.space.lower, self.space.space.upper
        scale = np.where(hi > lo, hi - lo, 1.0)
        d = (np.abs((algo.X - row) / scale)).sum(axis=1)
        for j in np.argsort(d, kind="stable"):
            cid = self.book.population_ids[j]
            if cid >= 0 and (self.run_dir / "weights" / f"{cid}.pt").exists():
                return cid
        return None

    # -- training -------------------------------------------------------------------

    def _train(
        self, to_train: list[int], ids: list[int], archs: list[Architecture]
    ) -> dict[int, dict[str, float]] | None:
        """Train the candidates `to_train` (indices into the batch); their
        measured values, or None when the budget or time ran out first."""
        left = math.inf if self.cfg.budget is None else self.cfg.budget - self.book.trainings
        take = to_train[: int(min(left, len(to_train)))]
        jobs = [self._job(i, ids[i], archs[i]) for i in take]
        first = self._run([(job, job.stage1, None, job.stage1 >= job.full) for job in jobs])
        results: dict[int, dict[str, float]] = {}
        second: list[tuple[_Job, int, bytes | None, bool]] = []
        partial = []
        for job in jobs:
            ev = first.get(job.cid)
            if ev is None:
                continue  # not started: time ran out
            if ev.status != "done" or job.stage1 >= job.full:
                results[job.index] = self._finish(job, ev)
            else:
                partial.append((job, ev))
        if partial:
            promoted = self._promote(partial)
            for job, ev in partial:
                more = job.full - job.stage1 if job.cid in promoted else 0
                second.append((job, more, ev.raw_state, True))
            final = self._run(second, check_time=False)
            stage1 = dict(partial)
            for job, _, _, _ in second:
                ev = final[job.cid]
                ev.curve = stage1[job].curve + ev.curve
                ev.fidelity += stage1[job].fidelity
                ev.timings = {k: ev.timings.get(k, 0.0) + stage1[job].timings.get(k, 0.0) for k in {*ev.timings, *stage1[job].timings}}
                results[job.index] = self._finish(job, ev)
        if len(results) < len(to_train):
            return None
        return results

    def _job(self, index: int, cid: int, arch: Architecture) -> _Job:
        cand = self.store.get(cid)
        parent = cand.parent_ids[0] if cand.parent_ids else None
        inherit = (self.run_dir / "weights" / f"{parent}.pt").read_bytes() if parent is not None else None
        full = arch.epochs
        if inherit is not None:
            full = max(1, math.ceil(arch.epochs * self.cfg.inherit_fraction))
        stage1 = max(1, math.ceil(full * self.cfg.fidelity_fraction)) if self.cfg.multi_fidelity else full
        return _Job(index=index, cid=cid, arch=arch, seed=cand.seed, full=full, stage1=min(stage1, full), inherit=inherit)

    def _run(
        self, tasks: list[tuple[_Job, int, bytes | None, bool]], *, check_time: bool = True
    ) -> dict[int, Evaluation]:
        """Evaluate `tasks` (job, epochs, init_state, compress) in order or in
        the worker pool; tasks not started before the time limit are left out."""
        out: dict[int, Evaluation] = {}
        if self.pool is None:
            for job, epochs, init, compress in tasks:
                if check_time and self._time_up():
                    break
                self.store.mark_running(job.cid)
                out[job.cid] = evaluate(
                    job.arch,
                    self.data,
                    self.plan,
                    seed=job.seed,
                    epochs=epochs,
                    init_state=init,
                    inherit_state=None if init is not None else job.inherit,
                    compress=compress,
                )
            return out
        pending: dict[Future[Evaluation], _Job] = {}
        queue = list(tasks)
        while queue or pending:
            while queue and len(pending) < self.cfg.workers and not (check_time and self._time_up()):
                job, epochs, init, compress = queue.pop(0)
                self.store.mark_running(job.cid)
                future = self.pool.submit(
                    _worker_evaluate, job.arch, self.plan, job.seed, epochs, init, None if init is not None else job.inherit, compress
                )
                pending[future] = job
            if not pending:
                break
            finished = next(_as_completed(pending))
            out[pending.pop(finished).cid] = finished.result()
        return out

    def _time_up(self) -> bool:
        return self.cfg.time_limit is not None and self._elapsed() >= self.cfg.time_limit

    def _promote(self, partial: list[tuple[_Job, Evaluation]]) -> set[int]:
        """Candidate ids whose brief training is non-dominated enough to go on:
        the best `promote_fraction` by (rank, first objective)."""
        F = np.array([engine_values(self.objectives, {**self._cheap[job.cid], **ev.values}) for job, ev in partial])
        ranks = non_dominated_sort(F)
        order = np.lexsort((F[:, 0], ranks))
        k = max(1, math.ceil(len(partial) * self.cfg.promote_fraction))
        return {partial[j][0].cid for j in order[:k]}

    def _finish(self, job: _Job, ev: Evaluation) -> dict[str, float]:
        """Persist a candidate's final evaluation; its values for the engine."""
        values = dict(self._cheap.pop(job.cid))
        if ev.status == "done":
            values.update({k: v for k, v in ev.values.items() if not (k == "size" and math.isnan(v))})
            if ev.raw_state is not None:
                (self.run_dir / "weights" / f"{job.cid}.pt").write_bytes(ev.raw_state)
            self.store.finish(
                job.cid,
                objectives=values,
                constraints=violations(self.constraints, values).tolist(),
                curve=ev.curve,
                timings=ev.timings,
                fidelity=ev.fidelity,
            )
        else:
            self.store.fail(job.cid, ev.error or "unknown error")
        self.book.trainings += 1
        self._report_progress(job, ev, values)
        return values if ev.status == "done" else {}

    def _report_progress(self, job: _Job, ev: Evaluation, values: Mapping[str, float]) -> None:
        done = self.store.candidates(status="done")
        rows = [dict(c.objectives or {}) for c in done]
        best = max((r.get("accuracy", math.nan) for r in rows), default=math.nan)
        hv = front_hypervolume(self.objectives, [r for c, r in zip(done, rows) if _feasible(c.constraints)])
        budget = self.cfg.budget
        elapsed = self._elapsed()
        eta = ""
        if budget is not None and self.book.trainings:
            eta = f" ETA {_duration(elapsed / self.book.trainings * (budget - self.book.trainings))}"
        status = f"acc {values.get('accuracy', math.nan):.4f}" if ev.status == "done" else ev.status
        self.say(
            f"[{self.book.trainings}/{budget if budget is not None else '-'}] gen {self.book.generation + 1} "
            f"#{job.cid} {status} params {values.get('params', math.nan):.0f} | best acc {best:.4f} HV {hv:.4f} "
            f"| {_duration(elapsed)}{eta}"
        )

    # -- the end ---------------------------------------------------------------------

    def _front_rows(self) -> list[dict[str, Any]]:
        return front_rows(self.store, self.objectives)

    def _retrain(self) -> list[dict[str, Any]]:
        """Retrain the most accurate members of the front with the full budget
        from scratch, evaluate on the test split, save them under models/."""
        from .train import TrainConfig, Trainer

        front = sorted(self._front_rows(), key=lambda r: (-r["values"].get("accuracy", -math.inf), r["id"]))
        models = self.run_dir / "models"
        models.mkdir(exist_ok=True)
        out = []
        for rank, row in enumerate(front[: self.cfg.retrain]):
            arch = Architecture.from_json(row["arch"])
            ev = evaluate(arch, self.data, self.plan, seed=row["seed"], epochs=arch.epochs)
            if ev.status != "done" or ev.final_state is None:
                self.say(f"retraining #{row['id']} failed: {ev.error}")
                continue
            model = _rebuild(arch, self.data.input_shape, self.data.n_classes, ev.final_state)
            config = TrainConfig.from_architecture(arch, seed=row["seed"], device=self.device)
            test_acc, test_loss = Trainer(model, self.data, config).evaluate("test")
            (models / f"rank{rank}.pt").write_bytes(ev.final_state)
            entry = {
                "rank": rank,
                "id": row["id"],
                "arch": row["arch"],
                "val_accuracy": ev.values["accuracy"],
                "test_accuracy": float(test_acc),
                "test_loss": float(test_loss),
                "params": row["values"].get("params"),
                "size": ev.values.get("size"),
            }
            (models / f"rank{rank}.json").write_text(json.dumps(entry, indent=2))
            out.append(entry)
            self.say(f"retrained #{row['id']} (rank {rank}): val {entry['val_accuracy']:.4f}, test {entry['test_accuracy']:.4f}")
        self.store.set_meta("retrained", out)
        return out


@dataclass(frozen=True)
class _Job:
    index: int
    cid: int
    arch: Architecture
    seed: int
    full: int
    stage1: int
    inherit: bytes | None

    def __hash__(self) -> int:
        return hash(self.cid)


def search_space(cfg: SearchSettings) -> NASSpace:
    """The run's space: `cfg.space` over the defaults, where the compression
    genes are fixed off unless the search measures size (they cost accuracy
    and only pay on that objective)."""
    options = dict(cfg.space or {})
    names = set(cfg.objectives) | {c.objective.name for c in parse_constraints(cfg.constraints)}
    if "size" not in names:
        options.setdefault("sparsities", (0.0,))
        options.setdefault("quantizations", ("none",))
    return NASSpace(**options)


_UNBUILT = "cheap costs failed"


def _was_trained(candidate: Any) -> bool:
    """Whether a stored candidate used up a training (done, or failed in training)."""
    if candidate.status == "done":
        return True
    return candidate.status == "failed" and not (candidate.error or "").startswith(_UNBUILT)


def _feasible(constraints: Any) -> bool:
    return not constraints or all(v <= 0 for v in constraints)


def front_rows(store: Store, objectives: tuple[Objective, ...]) -> list[dict[str, Any]]:
    """The feasible non-dominated trained candidates of a run, as dicts."""
    done = [c for c in store.candidates(status="done") if _feasible(c.constraints)]
    if not done:
        return []
    F = np.array([engine_values(objectives, c.objectives or {}) for c in done])
    ranks = non_dominated_sort(F)
    return [
        {"id": c.id, "generation": c.generation, "arch": c.arch, "values": dict(c.objectives or {}), "seed": c.seed}
        for c, r in zip(done, ranks)
        if r == 0
    ]


def _rebuild(arch: Architecture, input_shape: tuple[int, ...], n_classes: int, state: bytes) -> Any:
    """The compressed model of `arch` holding the weights `state` (a saved final state)."""
    import torch

    from .compress import convert, prepare_qat, quantize
    from .evaluate import state_from_bytes
    from .model import build_model

    model = build_model(arch, input_shape, n_classes, seed=0)
    if arch.quantization != "none":
        # Give the quantised layers their buffers (ranges, scales); the saved state overwrites them.
        probe = torch.zeros((2, *input_shape))
        if arch.quantization == "int8_ptq":
            quantize(model, "int8_ptq", calib=probe)
        else:
            prepare_qat(model)
            with torch.no_grad():
                model.eval()(probe)
            convert(model)
    model.load_state_dict(state_from_bytes(state))
    return model


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


# -- worker processes ------------------------------------------------------------------

_WORKER_DATA: list[DataSplits] = []  # the data of this worker process, set once by its initializer


def _worker_init(data: DataSplits, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    _WORKER_DATA.append(data)


def _worker_evaluate(
    arch: Architecture, plan: EvalPlan, seed: int, epochs: int, init: bytes | None, inherit: bytes | None, compress: bool
) -> Evaluation:
    return evaluate(arch, _WORKER_DATA[0], plan, seed=seed, epochs=epochs, init_state=init, inherit_state=inherit, compress=compress)


def _worker_pool(workers: int, data: DataSplits) -> ProcessPoolExecutor:
    import multiprocessing as mp

    threads = max(1, (os.cpu_count() or 1) // workers)
    return ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_worker_init, initargs=(data, threads))


def _as_completed(pending: Mapping[Future[Evaluation], _Job]) -> Any:
    from concurrent.futures import FIRST_COMPLETED, wait

    done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
    return iter(done)
