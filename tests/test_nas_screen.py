"""Surrogate screening in the architecture search: the choice of a pool's
candidates (against a brute-force ranking under a known prediction), a tiny
end-to-end search with screening (only the screened candidates are stored and
trained, the budget is kept, resume after an interruption is identical to an
uninterrupted run), settings and CLI flags."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from evonas.algorithms import NSGA2  # noqa: E402
from evonas.cli import _parser  # noqa: E402
from evonas.nas import screening  # noqa: E402
from evonas.nas.arch import Architecture  # noqa: E402
from evonas.nas.costs import cheap_costs  # noqa: E402
from evonas.nas.objectives import parse_constraints, parse_objectives  # noqa: E402
from evonas.nas.search import SearchSettings, search, search_space  # noqa: E402
from evonas.store import Candidate, Store  # noqa: E402
from test_nas_search import TINY  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_one_thread")

SHAPE, CLASSES = (1, 8, 8), 10


def _pool(n: int, seed: int = 0):
    """A bred pool of the TINY space (genomes and repaired architectures)."""
    space = search_space(SearchSettings(space=TINY))
    algo = NSGA2(pop_size=8, n_offsprings=n).setup(space.space, seed=seed)
    algo.tell(np.random.default_rng(seed).random((algo.ask().shape[0], 2)))
    X = algo.ask()
    archs = [space.repair(a, SHAPE) for a in space.decode(X)]
    return space, X, archs


def _history(space, X, archs, accuracy) -> list[Candidate]:
    return [
        Candidate(i, 1, 0, tuple(map(float, x)), a.to_json(), (), "done", {"accuracy": float(acc)}, (), None, None, 1,
                  None, 0.0, 0.0)
        for i, (x, a, acc) in enumerate(zip(X, archs, accuracy))
    ]


def _params(archs) -> np.ndarray:
    return np.array([cheap_costs(a, SHAPE, CLASSES)["params"] for a in archs], dtype=float)


def _fresh_rows(archs, history) -> list[int]:
    """Brute force: pool rows whose architecture was neither trained nor met earlier in the pool."""
    seen = [Architecture.from_json(c.arch).canonical() for c in history]
    out = []
    for i, a in enumerate(archs):
        if a.canonical() not in seen:
            out.append(i)
        seen.append(a.canonical())
    return out


class _KnownPrediction:
    """Stands in for the forest: predicts minus the log10-params feature, std 0."""

    def __init__(self, n_trees: int, seed: int) -> None:
        pass

    def fit(self, X, y):
        return self

    def predict(self, X):
        return -X[:, -len(screening._EXTRA)], np.zeros(X.shape[0])


def test_choose_takes_the_predicted_best(monkeypatch):
    monkeypatch.setattr(screening, "ForestSurrogate", _KnownPrediction)
    space, X, archs = _pool(300)
    # Repeat the largest networks (other genomes can repair to the same network).
    big = np.argsort(-_params(archs), kind="stable")[:5]
    X, archs = np.vstack([X, X[big]]), archs + [archs[i] for i in big]
    history = _history(space, X[:6], archs[:6], np.linspace(0.1, 0.9, 6))
    rows = screening.choose(space, X, history, parse_objectives(("accuracy",)), (), SHAPE, CLASSES, 10,
                            kappa=1.0, seed=0)
    assert rows.shape == (10,)
    fresh = _fresh_rows(archs, history)
    assert len(fresh) <= len(archs) - 6 - 5
    assert set(rows.tolist()) <= set(fresh)
    # Brute force: the predicted engine value is -log10(params); the 10 best
    # new networks are the 10 largest.
    params = _params(archs)
    assert sorted(params[rows]) == sorted(np.sort(params[fresh])[-10:])


def test_trained_fraction_is_a_feature(monkeypatch):
    """Multi-fidelity history: the forests see epochs trained / epoch budget; the pool is predicted fully trained."""
    seen: dict[str, list] = {"fit": [], "predict": []}

    class Recorder(_KnownPrediction):
        def fit(self, X, y):
            seen["fit"].append(X.copy())
            return self

        def predict(self, X):
            seen["predict"].append(X.copy())
            return super().predict(X)

    monkeypatch.setattr(screening, "ForestSurrogate", Recorder)
    space, X, archs = _pool(60)
    fidelity = [1, 2, 3, 1, 2, 3]
    history = [dataclasses.replace(c, fidelity=f)
               for c, f in zip(_history(space, X[:6], archs[:6], np.linspace(0.1, 0.9, 6)), fidelity)]
    screening.choose(space, X[6:], history, parse_objectives(("accuracy",)), (), SHAPE, CLASSES, 5, kappa=1.0, seed=0)
    col = screening._EXTRA.index("trained_fraction") - len(screening._EXTRA)
    (fitted,) = seen["fit"]
    np.testing.assert_allclose(fitted[:, col], [f / a.epochs for f, a in zip(fidelity, archs[:6])])
    assert len(set(fitted[:, col])) > 1
    assert all((P[:, col] == 1.0).all() for P in seen["predict"])


def test_choose_puts_members_over_a_hard_limit_last(monkeypatch):
    monkeypatch.setattr(screening, "ForestSurrogate", _KnownPrediction)
    space, X, archs = _pool(300)
    params = _params(archs)
    limit = float(params.min())  # only the smallest networks fit under it
    feasible = int((params <= limit).sum())
    k = feasible + 5
    assert k < len(archs)
    history = _history(space, X[:6], archs[:6], np.linspace(0.1, 0.9, 6))
    rows = screening.choose(space, X, history, parse_objectives(("accuracy", "params")),
                            parse_constraints((f"params<={limit}",)), SHAPE, CLASSES, k, kappa=1.0, seed=0)
    assert rows.shape == (k,) and len(set(rows.tolist())) == k
    assert (params[rows[:feasible]] <= limit).all() and (params[rows[feasible:]] > limit).all()
    excess = params[rows[feasible:]] - limit
    assert (np.diff(excess) >= 0).all()  # the least violating first


def test_choose_without_enough_history_takes_the_pool_in_order():
    space, X, archs = _pool(50)
    history = _history(space, X[:3], archs[:3], [0.5, 0.6, 0.7])
    rows = screening.choose(space, X, history, parse_objectives(("accuracy", "params")), (), SHAPE, CLASSES,
                            7, kappa=1.0, seed=0)
    assert rows.tolist() == _fresh_rows(archs, history)[:7]


def test_choose_repeats_networks_only_when_the_new_ones_run_out():
    space, X, archs = _pool(50)
    X, archs = np.vstack([X, X[10:20]]), archs + archs[10:20]
    history = _history(space, X[:3], archs[:3], [0.5, 0.6, 0.7])
    fresh = _fresh_rows(archs, history)
    assert len(fresh) <= 60 - 13
    rows = screening.choose(space, X, history, parse_objectives(("accuracy", "params")), (), SHAPE, CLASSES,
                            60, kappa=1.0, seed=0)
    assert rows[: len(fresh)].tolist() == fresh
    assert sorted(rows.tolist()) == list(range(60))


def test_real_surrogate_learns_a_known_trend():
    """Accuracy that grows with log10(params): trusting the means (kappa 0),
    the forest screens towards the large networks."""
    space, X, archs = _pool(400)
    params = _params(archs)
    history = _history(space, X[:40], archs[:40], np.log10(params[:40]) / 10)
    rows = screening.choose(space, X[40:], history, parse_objectives(("accuracy",)), (), SHAPE, CLASSES,
                            20, kappa=0.0, seed=0)
    pool = params[40:]
    assert np.median(pool[rows]) >= np.quantile(pool, 0.75)


def _run(tmp_path, name, **kwargs):
    options = {"budget": 12, "population": 4, "retrain": 0, "space": TINY, "seed": 3, "progress": False,
               "surrogate": True, "pool_factor": 20, "workers": 1}
    options.update(kwargs)
    return search("digits", out=tmp_path / name, **options)


def _candidates(path):
    with Store(path / "study.db") as store:
        return [(c.generation, c.genome, c.status, c.objectives) for c in store.candidates()]


def test_search_trains_exactly_the_screened_candidates(tmp_path, monkeypatch):
    chosen: dict[int, set[tuple[float, ...]]] = {}
    real = screening.choose

    def spy(space, X, *args, **kwargs):
        rows = real(space, X, *args, **kwargs)
        chosen[len(chosen) + 2] = {tuple(map(float, X[r])) for r in rows}
        assert X.shape[0] > 4 * 4  # a pool, not a generation
        return rows

    monkeypatch.setattr(screening, "choose", spy)
    res = _run(tmp_path, "run")
    assert res.n_trained == 12
    rows = _candidates(tmp_path / "run")
    # Only trained candidates are stored: 3 generations of 4, none left pending.
    assert len(rows) == 12 and all(status in ("done", "failed") for _, _, status, _ in rows)
    assert sorted(chosen) == [2, 3]
    for generation, genomes in chosen.items():
        assert {g for gen, g, _, _ in rows if gen == generation} == genomes


def test_screened_search_resumes_like_an_uninterrupted_run(tmp_path):
    _run(tmp_path, "whole")
    _run(tmp_path, "part", budget=6)  # stops inside generation 2
    statuses = [status for _, _, status, _ in _candidates(tmp_path / "part")]
    # The screened generation 2 is stored whole before training; its untrained rest waits.
    assert len(statuses) == 8 and statuses.count("pending") == 2
    search(resume=tmp_path / "part", budget=12, progress=False)
    assert _candidates(tmp_path / "part") == _candidates(tmp_path / "whole")


def test_screening_is_off_by_default():
    cfg = SearchSettings()
    assert cfg.surrogate is True
    assert SearchSettings.from_json(dataclasses.replace(cfg, surrogate=True, pool_factor=7, kappa=0.5).to_json()) == \
        dataclasses.replace(cfg, surrogate=True, pool_factor=7, kappa=0.5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pool_factor": 0}, "pool_factor"),
        ({"pool_factor": 2.5}, "pool_factor"),
        ({"pool_factor": True}, "pool_factor"),
        ({"kappa": -0.1}, "kappa"),
        ({"kappa": float("nan")}, "kappa"),
        ({"kappa": float("inf")}, "kappa"),
        ({"kappa": "1"}, "kappa"),
        ({"surrogate": 1}, "surrogate"),
    ],
)
def test_settings_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SearchSettings(**kwargs)


def test_cli_flags():
    args = _parser().parse_args(["search", "--surrogate", "--pool-factor", "50", "--kappa", "0.5"])
    assert (args.surrogate, args.pool_factor, args.kappa) == (True, 50, 0.5)
    args = _parser().parse_args(["search"])
    assert (args.surrogate, args.pool_factor, args.kappa) == (None, None, None)
    assert _parser().parse_args(["search", "--no-surrogate"]).surrogate is False
