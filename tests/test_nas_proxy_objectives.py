"""Zero-cost proxies as cheap search objectives: computed before training, stored, limited."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from evonas.nas.arch import Architecture  # noqa: E402
from evonas.nas.data import load_data  # noqa: E402
from evonas.nas.evaluate import EvalPlan, cheap_values  # noqa: E402
from evonas.nas.objectives import OBJECTIVES, engine_values, parse_constraints, parse_objectives  # noqa: E402
from evonas.nas.proxies import PROXIES, proxy_scores  # noqa: E402
from evonas.nas.search import search  # noqa: E402
from evonas.store import Store  # noqa: E402
from evonas import non_dominated_sort  # noqa: E402
from test_nas_search import TINY  # noqa: E402
from test_nas_space import arch, block  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_one_thread")

SEED = 3  # of the tiny searches, hence of their data split


@pytest.fixture(scope="module")
def digits():
    return load_data("digits", seed=SEED)


def plan(objectives: str, constraints: str | None = None) -> EvalPlan:
    return EvalPlan(objectives=parse_objectives(objectives), constraints=parse_constraints(constraints))


def test_the_objectives_name_exactly_the_proxies_the_module_computes():
    assert tuple(n for n, o in OBJECTIVES.items() if o.proxy) == PROXIES


def test_cheap_values_score_the_candidates_initialisation_when_asked(digits):
    net = arch(block("conv", width=8), block("dense", width=16))
    values = cheap_values(net, digits, plan("accuracy,params,synflow", "jacob_cov>=-1e9"), seed=7)
    expected = proxy_scores(net, digits, names=("synflow", "jacob_cov"), seed=7, batch_size=64)
    assert {k: values[k] for k in expected} == expected
    assert math.isfinite(values["synflow"]) and math.isfinite(values["jacob_cov"])
    assert "naswot" not in values and "grad_norm" not in values
    # The candidate's seed picks the weights and the batch: another seed, another score; the same, the same.
    assert cheap_values(net, digits, plan("synflow"), seed=8)["synflow"] != values["synflow"]
    assert cheap_values(net, digits, plan("synflow"), seed=7)["synflow"] == values["synflow"]
    assert not set(PROXIES) & set(cheap_values(net, digits, plan("accuracy,params,macs")))


def test_a_training_split_smaller_than_the_proxy_batch_is_scored_whole():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 6)).astype(np.float32), np.arange(40) % 2
    small = load_data((x, y), seed=0)
    assert len(small.y_train) < 64
    net = arch(block("dense", width=8))
    got = cheap_values(net, small, plan("grad_norm,naswot"), seed=1)
    want = proxy_scores(net, small, names=("grad_norm", "naswot"), seed=1, batch_size=len(small.y_train))
    assert {k: got[k] for k in want} == want


def test_an_undefined_proxy_is_recorded_as_nan_and_ranks_worst(digits):
    linear = arch(block("identity"))  # no activation: naswot is undefined
    values = cheap_values(linear, digits, plan("accuracy,naswot"), seed=0)
    assert math.isnan(values["naswot"])
    assert engine_values(parse_objectives("naswot"), values).tolist() == [math.inf]


def _search(tmp_path: Path, **kwargs) -> object:
    options = {"budget": 8, "population": 4, "retrain": 0, "space": TINY, "seed": SEED, "progress": False,
               "workers": 1}
    return search("digits", out=tmp_path / "run", **{**options, **kwargs})


def _stored_score(candidate, data, name: str) -> float:
    return proxy_scores(Architecture.from_json(candidate.arch), data, names=(name,), seed=candidate.seed)[name]


def test_a_search_stores_and_optimises_a_proxy_objective(tmp_path, digits):
    res = _search(tmp_path, objectives=("accuracy", "params", "synflow"))
    with Store(tmp_path / "run" / "study.db") as store:
        done = store.candidates(status="done")
        assert len(done) == 8 == res.n_trained
        for c in done:
            assert c.objectives["synflow"] == _stored_score(c, digits, "synflow")
    objectives = parse_objectives("accuracy,params,synflow")
    F = np.array([engine_values(objectives, c.objectives) for c in done])
    front_ids = {c.id for c, r in zip(done, non_dominated_sort(F)) if r == 0}
    assert {r["id"] for r in res.front} == front_ids
    assert all("synflow" in r["values"] for r in res.front)


def test_a_limit_on_a_proxy_is_checked_before_training(tmp_path, digits):
    _search(tmp_path, constraints=("synflow>=3",))
    with Store(tmp_path / "run" / "study.db") as store:
        infeasible = store.candidates(status="infeasible")
        assert infeasible, "some tiny-space networks score below 3"
        for c in infeasible:
            assert c.objectives["synflow"] < 3 and c.curve in (None, []) and "synflow>=3" in c.error
            assert c.objectives["synflow"] == _stored_score(c, digits, "synflow")
        done = store.candidates(status="done")
        assert done and all(c.objectives["synflow"] >= 3 for c in done)
