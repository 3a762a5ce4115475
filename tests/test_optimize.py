"""`minimize`: the history's hypervolume (known front or user reference) and
hypervolume-stagnation termination."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from evonas.algorithms import NSGA2, SMSEMOA
from evonas.indicators import hypervolume
from evonas.optimize import minimize
from evonas.pareto import nondominated
from evonas.problems import DTLZ2, ZDT1, Problem


class _Constant(Problem):
    """Every genome maps to the same point: the front never improves."""

    def __init__(self) -> None:
        super().__init__(n_var=2, n_obj=2, xl=0.0, xu=1.0)

    def _evaluate(self, X, out):
        out["F"] = np.full((X.shape[0], 2), 0.5)


def test_history_hv_uses_the_user_reference_in_raw_space():
    problem = DTLZ2(n_var=7, n_obj=5)
    ref = np.full(5, 2.5)
    seen = []
    res = minimize(problem, NSGA2(pop_size=16), ("n_gen", 4), seed=2, hv_ref=ref, callback=lambda a: seen.append(a.F.copy()))
    assert [r.n_gen for r in res.history] == [1, 2, 3, 4]
    for record, F in zip(res.history, seen):
        front = F[nondominated(F).astype(bool)]
        assert record.hv == pytest.approx(hypervolume(front, ref), rel=1e-12)
        assert record.hv > 0


def test_history_hv_is_none_without_reference_for_many_objectives():
    res = minimize(DTLZ2(n_var=7, n_obj=5), NSGA2(pop_size=8), ("n_gen", 2), seed=0)
    assert all(r.hv is None for r in res.history)


def test_history_hv_counts_only_feasible_points():
    class Infeasible(_Constant):
        def __init__(self) -> None:
            Problem.__init__(self, n_var=2, n_obj=2, n_ieq_constr=1, xl=0.0, xu=1.0)

        def _evaluate(self, X, out):
            out["F"] = X.copy()
            out["G"] = np.ones((X.shape[0], 1))

    res = minimize(Infeasible(), NSGA2(pop_size=6), ("n_gen", 2), seed=0, hv_ref=[2.0, 2.0])
    assert [r.hv for r in res.history] == [0.0, 0.0]


def test_hv_stagnation_stops_a_run_that_no_longer_improves():
    res = minimize(_Constant(), NSGA2(pop_size=6), [("hv_stagnation", 3), ("n_gen", 50)], seed=0, hv_ref=[1.0, 1.0])
    # Generation 1 sets the volume; the window of 3 later generations shows no growth.
    assert res.n_gen == 4
    assert {r.hv for r in res.history} == {0.25}


def test_hv_stagnation_lets_an_improving_run_continue():
    res = minimize(ZDT1(n_var=5), NSGA2(pop_size=20), [("hv_stagnation", 5, 0.0), ("n_gen", 12)], seed=1)
    hv = [r.hv for r in res.history]
    # Stopped by n_gen unless 5 generations in a row brought no gain at all.
    stalled = any(hv[i + 5] - hv[i] <= 0 for i in range(len(hv) - 5))
    assert res.n_gen == 12 or stalled
    assert hv[-1] > hv[0]


def test_zero_volume_is_not_stagnation():
    # Nothing dominates this reference: the volume stays 0 and the run goes on.
    res = minimize(_Constant(), NSGA2(pop_size=6), [("hv_stagnation", 2), ("n_gen", 6)], seed=0, hv_ref=[0.1, 0.1])
    assert res.n_gen == 6 and {r.hv for r in res.history} == {0.0}


def test_hv_stagnation_with_tolerance_stops_earlier_than_without():
    loose = minimize(ZDT1(n_var=10), NSGA2(pop_size=20), [("hv_stagnation", 3, 0.5), ("n_gen", 40)], seed=1)
    strict = minimize(ZDT1(n_var=10), NSGA2(pop_size=20), [("hv_stagnation", 3, 0.0), ("n_gen", 40)], seed=1)
    assert loose.n_gen <= strict.n_gen
    assert loose.n_gen < 40


@pytest.mark.parametrize(
    "termination, match",
    [
        (("hv_stagnation", 0), "window"),
        (("hv_stagnation", 3, -1.0), "tolerance"),
        (("hv_stagnation", 3, float("nan")), "tolerance"),
        (("n_gen", 3, 1.0), "entries"),
        (("hv_stagnation", 2.5), "int"),
    ],
)
def test_bad_stagnation_termination(termination, match):
    with pytest.raises((TypeError, ValueError), match=match):
        minimize(ZDT1(n_var=3), NSGA2(pop_size=4), termination, hv_ref=[2.0, 2.0])


def test_stagnation_without_a_hypervolume_is_refused():
    with pytest.raises(ValueError, match="hv_ref"):
        minimize(DTLZ2(n_var=7, n_obj=5), NSGA2(pop_size=4), ("hv_stagnation", 3))


@pytest.mark.parametrize("ref, match", [([1.0], "length 2"), ([1.0, np.inf], "finite"), ("a", "hv_ref")])
def test_bad_hv_ref(ref, match):
    with pytest.raises((TypeError, ValueError), match=match):
        minimize(ZDT1(n_var=3), NSGA2(pop_size=4), ("n_gen", 1), hv_ref=ref)


# ----------------------------------------------------------------------------
# Checkpoints
# ----------------------------------------------------------------------------


class _Crashing(ZDT1):
    """ZDT1 whose evaluation raises once `crash_at` batches have been evaluated."""

    def __init__(self, crash_at=None):
        super().__init__(n_var=8)
        self.crash_at, self.calls = crash_at, 0

    def _evaluate(self, X, out):
        self.calls += 1
        if self.crash_at is not None and self.calls > self.crash_at:
            raise KeyboardInterrupt("killed")
        super()._evaluate(X, out)


def _same_run(a, b):
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.pop_F, b.pop_F)
    assert [(r.n_gen, r.n_eval, r.hv) for r in a.history] == [(r.n_gen, r.n_eval, r.hv) for r in b.history]
    assert (a.n_gen, a.n_eval) == (b.n_gen, b.n_eval)


def test_checkpoint_resumes_a_killed_run_bit_identically(tmp_path):
    whole = minimize(_Crashing(), NSGA2(pop_size=20), ("n_gen", 12), seed=4)
    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        minimize(_Crashing(crash_at=7), NSGA2(pop_size=20), ("n_gen", 12), seed=4, checkpoint=path)
    assert path.exists() and not (tmp_path / "run.ckpt.tmp").exists()
    resumed_problem = _Crashing()
    resumed = minimize(resumed_problem, NSGA2(pop_size=20), ("n_gen", 12), seed=4, checkpoint=path)
    assert resumed_problem.calls == 12 - 7  # generations 1..7 came from the file
    _same_run(whole, resumed)
    # A finished run's checkpoint answers again without evaluating anything.
    again_problem = _Crashing()
    again = minimize(again_problem, NSGA2(pop_size=20), ("n_gen", 12), checkpoint=path)
    assert again_problem.calls == 0
    _same_run(whole, again)
    # ... and a longer termination continues it.
    longer = minimize(_Crashing(), NSGA2(pop_size=20), ("n_gen", 15), checkpoint=path)
    _same_run(minimize(_Crashing(), NSGA2(pop_size=20), ("n_gen", 15), seed=4), longer)


def test_checkpoint_every_k_generations(tmp_path, monkeypatch):
    from evonas import _checkpoint

    saved = []
    real_save = _checkpoint.save
    monkeypatch.setattr(_checkpoint, "save", lambda path, p, algo, *a: (saved.append(algo.n_gen), real_save(path, p, algo, *a)))
    minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 8), seed=1, checkpoint=tmp_path / "c", checkpoint_every=3)
    assert saved == [3, 6, 8]
    saved.clear()  # a last generation already saved is not written twice
    minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 8), seed=1, checkpoint=tmp_path / "d", checkpoint_every=4)
    assert saved == [4, 8]


def test_checkpoint_mismatches_are_refused(tmp_path):
    path = tmp_path / "run.ckpt"
    minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 2), seed=1, checkpoint=path)
    with pytest.raises(ValueError, match="written for the problem"):
        minimize(ZDT1(n_var=9), NSGA2(pop_size=10), ("n_gen", 3), checkpoint=path)
    with pytest.raises(ValueError, match="holds a NSGA2 run, not a SMSEMOA one"):
        minimize(_Crashing(), SMSEMOA(pop_size=10), ("n_gen", 3), checkpoint=path)
    with pytest.raises(ValueError, match="seed 1, not 2"):
        minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 3), seed=2, checkpoint=path)
    ready = NSGA2(pop_size=10).setup(_Crashing(), seed=1)
    with pytest.raises(ValueError, match="pass a fresh algorithm"):
        minimize(_Crashing(), ready, ("n_gen", 3), checkpoint=path)
    other = tmp_path / "other.pkl"
    other.write_bytes(pickle.dumps({"some": "dict"}))
    with pytest.raises(ValueError, match="not an evonas minimize checkpoint"):
        minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 3), checkpoint=other)
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match="could not be read"):
        minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 3), checkpoint=garbage)
    with pytest.raises(ValueError, match="is a directory"):
        minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 3), checkpoint=tmp_path)
    with pytest.raises(TypeError, match="'checkpoint' must be a file path"):
        minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 3), checkpoint=3)
    with pytest.raises(ValueError, match="'checkpoint_every' must be an int >= 1"):
        minimize(_Crashing(), NSGA2(pop_size=10), ("n_gen", 3), checkpoint=path, checkpoint_every=0)
