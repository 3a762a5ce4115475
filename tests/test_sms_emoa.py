"""SMS-EMOA: survival vs a brute-force oracle, convergence, ask/tell, resume.

Checked here: survival (constrained domination, whole fronts, exact greedy
removal of the least hypervolume contributor with contributions recomputed
after every removal, reference point at the worst value + 1, 2-D extremes
kept, failed rows last, lowest index on ties) against a Python oracle that
measures contributions by inclusion-exclusion; steady-state and batch runs;
ZDT1 within 1% of the optimal hypervolume; a better DTLZ2 front than NSGA-II
on the same budget; constraints and NaN objectives; pickle-and-resume;
ask/tell and constructor errors.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import reference
from hypothesis import given
from hypothesis import strategies as st

from evonas.algorithms import NSGA2
from evonas.algorithms.base import constraint_violation
from evonas.algorithms.sms_emoa import _TIE_RTOL, SMSEMOA, _survival
from evonas.indicators import hypervolume
from evonas.optimize import minimize
from evonas.pareto import non_dominated_sort
from evonas.problems import DTLZ2, ZDT1, Problem

# ----------------------------------------------------------------------------
# Survival against a brute-force reference
# ----------------------------------------------------------------------------


def measured_front(F: np.ndarray, normalize: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """The front as contributions see it: per objective, the finite values
    span [low, high] (0 if none is finite); normalised, low -> 0 and high ->
    1 (a zero span is left unscaled); ref = high + 1; ties within
    _TIE_RTOL times the box volume."""
    Z = F.copy()
    ref = np.empty(F.shape[1])
    low = np.empty(F.shape[1])
    for j in range(F.shape[1]):
        finite = [v for v in F[:, j].tolist() if math.isfinite(v)]
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 0.0)
        if normalize:
            scale = hi - lo if hi > lo else 1.0
            Z[:, j] = (F[:, j] - lo) / scale
            lo, hi = 0.0, (hi - lo) / scale
        low[j], ref[j] = lo, hi + 1.0
    return Z, ref, _TIE_RTOL * math.prod((ref - low).tolist())


def contributions_reference(Z: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """HV(front) - HV(front without i) by inclusion-exclusion; with two
    objectives the finite members without a copy that minimise f1 or f2
    count as +inf."""
    c = reference.hv_contributions(Z, ref, hv=reference.hypervolume_inclusion_exclusion)
    if Z.shape[1] == 2:
        rows = Z.tolist()
        unique = [i for i, r in enumerate(rows) if all(map(math.isfinite, r)) and rows.count(r) == 1]
        for j in (0, 1):
            if unique:
                c[min(unique, key=lambda i: (rows[i][j], i))] = math.inf
    return c


def survival_reference(F: np.ndarray, cv: np.ndarray, n_survive: int, normalize: bool):
    """(indices ascending, rank, contribution) by the documented rule, slowly."""
    n = F.shape[0]
    n_survive = min(n_survive, n)
    feasible = [i for i in range(n) if cv[i] <= 0]
    ranks = reference.non_dominated_sort(F[feasible]) if feasible else np.zeros(0, int)
    n_fronts = int(ranks.max()) + 1 if feasible else 0
    chosen: dict[int, tuple[int, float]] = {}
    for r in range(n_fronts):
        front = [feasible[k] for k in range(len(feasible)) if ranks[k] == r]
        room = n_survive - len(chosen)
        if len(front) <= room:
            chosen.update({i: (r, math.nan) for i in front})
            continue
        if room == 0:
            break
        Z, ref, tol = measured_front(F[front], normalize)
        alive = list(range(len(front)))
        while len(alive) > room:
            c = contributions_reference(Z[alive], ref)
            worst = next(k for k in range(len(alive)) if c[k] <= c.min() + tol)
            del alive[worst]
            c = np.delete(c, worst)
        chosen.update({front[a]: (r, float(ck)) for a, ck in zip(alive, c)})
        break
    infeasible = sorted((i for i in range(n) if not cv[i] <= 0), key=lambda i: (cv[i], i))
    chosen.update({i: (n_fronts, math.nan) for i in infeasible[: n_survive - len(chosen)]})
    idx = sorted(chosen)
    return (
        np.array(idx, dtype=np.int64),
        np.array([chosen[i][0] for i in idx], dtype=np.int32),
        np.array([chosen[i][1] for i in idx]),
    )


@st.composite
def survival_inputs(draw):
    n = draw(st.integers(0, 11))
    m = draw(st.sampled_from([1, 2, 2, 3, 3, 4]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["grid", "uniform", "front"]))
    if kind == "grid":  # ties and copies
        F = rng.integers(0, draw(st.integers(1, 4)), size=(n, m)).astype(float)
    elif kind == "uniform":
        F = rng.uniform(-1, 1, size=(n, m))
    else:  # one front (a sphere, concave or convex), so several members are removed from it
        F = np.abs(rng.normal(size=(n, m))) ** draw(st.sampled_from([1.0, 2.0]))
        F /= np.linalg.norm(F, axis=1, keepdims=True) if m > 1 else 1.0
    F *= rng.uniform(0.1, 10.0, size=m) ** draw(st.integers(0, 3))  # objectives on different scales
    if n and draw(st.booleans()):  # an infinite objective: measured but adds no volume
        F[rng.integers(0, n), rng.integers(0, m)] = np.inf
    if n and draw(st.booleans()):  # a failed evaluation
        F[rng.integers(0, n), rng.integers(0, m)] = np.nan
    share = draw(st.sampled_from([0.0, 0.0, 0.3, 0.8]))
    G = np.where(rng.random((n, 1)) < share, rng.integers(-1, 3, size=(n, 1)), -1.0)
    # steady state (one removed), a batch (several removed) or anything
    n_survive = draw(st.sampled_from([n - 1, n - draw(st.integers(2, max(n, 2))), draw(st.integers(0, n + 2))]))
    n_survive = max(n_survive, 0)
    return F, constraint_violation(F, G), n_survive, draw(st.booleans())


@given(survival_inputs())
def test_survival_matches_reference(case):
    F, cv, n_survive, normalize = case
    F0, cv0 = F.copy(), cv.copy()
    idx, rank, contribution = _survival(F, cv, n_survive, normalize, 1)
    ref_idx, ref_rank, ref_contribution = survival_reference(F, cv, n_survive, normalize)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(rank, ref_rank)
    # both sides round at about 1e-16 of the reference box's volume
    spans = 2 * np.where(np.isfinite(F), np.abs(F), 0.0).max(axis=0, initial=0.0) + 2
    np.testing.assert_allclose(contribution, ref_contribution, rtol=1e-9, atol=1e-12 * math.prod(spans.tolist()))
    np.testing.assert_array_equal(F, F0)  # inputs never modified
    np.testing.assert_array_equal(cv, cv0)
    for got, want in zip(_survival(F, cv, n_survive, normalize, 3), (idx, rank, contribution)):
        np.testing.assert_array_equal(got, want)  # thread count changes nothing


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("normalize", [False, True])
def test_survival_matches_reference_on_random_fronts(m, normalize):
    # Whole populations on one front, cut by several members: the regime
    # where the greedy's recomputation and the 2-D extremes rule matter.
    rng = np.random.default_rng(m)
    for _ in range(10):
        n = int(rng.integers(4, 10))
        F = np.abs(rng.normal(size=(n, m))) ** rng.choice([1.0, 2.0])
        F = F / np.linalg.norm(F, axis=1, keepdims=True) * rng.uniform(0.1, 10.0, size=m)
        cv = np.zeros(n)
        for n_survive in (n - 1, int(rng.integers(1, n - 1))):
            got = _survival(F, cv, n_survive, normalize, 1)
            want = survival_reference(F, cv, n_survive, normalize)
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_allclose(got[2], want[2], rtol=1e-9)


def test_greedy_recomputes_contributions_after_each_removal():
    # B then A contribute least; once B is gone A owns far more than C, so
    # the exact greedy drops B and C where a one-shot cut would drop B and A.
    F = np.array([[0, 10], [1, 6], [1.1, 5.9], [5, 3], [5.5, 2.6], [10, 0]])
    idx, rank, contribution = _survival(F, np.zeros(6), 4, False, 1)
    assert idx.tolist() == [0, 1, 4, 5]
    assert rank.tolist() == [0, 0, 0, 0]
    # contributions at the last removal (B already gone), extremes infinite
    np.testing.assert_allclose(contribution, [np.inf, 4 * 4, 4.5 * 0.4, np.inf])


def test_two_objective_extremes_survive():
    # ref = (11, 11): the extreme (0, 10) owns 0.01, the least, yet stays.
    F = np.array([[0.0, 10.0], [0.01, 5.0], [10.0, 0.0]])
    idx, _, contribution = _survival(F, np.zeros(3), 2, False, 1)
    assert idx.tolist() == [0, 2] and np.isinf(contribution).all()
    # one copy of an extreme goes first (it owns nothing), then the rule holds
    F = np.array([[0.0, 10.0], [0.0, 10.0], [0.01, 5.0], [10.0, 0.0]])
    assert _survival(F, np.zeros(4), 3, False, 1)[0].tolist() == [1, 2, 3]
    assert _survival(F, np.zeros(4), 2, False, 1)[0].tolist() == [1, 3]


def test_reference_point_is_worst_plus_one():
    F = np.array([[0.0, 0.0, 2.0], [1.0, 2.0, 0.0], [2.0, 1.0, 1.0], [0.5, 0.5, 1.5]])
    _, _, contribution = _survival(F, np.zeros(4), 3, False, 1)
    full = reference.hv_contributions(F, [3.0, 3.0, 3.0])  # ref = max + 1
    np.testing.assert_allclose(contribution, np.delete(full, np.argmin(full)))
    # normalize=True: scaling an objective changes nothing
    plain = _survival(F, np.zeros(4), 3, True, 1)
    scaled = _survival(F * [1.0, 1000.0, 1.0], np.zeros(4), 3, True, 1)
    np.testing.assert_array_equal(scaled[0], plain[0])
    np.testing.assert_allclose(scaled[2], plain[2], rtol=1e-12)


@pytest.mark.parametrize("normalize", [False, True])
def test_infinite_objectives_add_no_volume(normalize):
    # one front; (0.3, 0.3, inf) owns nothing and goes first
    F = np.array([[0.0, 1.0, 1.0], [0.3, 0.3, np.inf], [1.0, 0.0, 1.0], [0.4, 0.4, 2.0]])
    for n_survive in (3, 2):
        got = _survival(F, np.zeros(4), n_survive, normalize, 1)
        want = survival_reference(F, np.zeros(4), n_survive, normalize)
        assert got[0].tolist() == want[0].tolist()
        np.testing.assert_allclose(got[2], want[2])
    assert _survival(F, np.zeros(4), 3, normalize, 1)[0].tolist() == [0, 2, 3]
    # a whole objective at +inf: nobody owns volume, the lowest index goes
    F[:, 2] = np.inf
    idx, rank, contribution = _survival(F, np.zeros(4), 2, normalize, 1)
    assert idx.tolist() == [1, 2] and rank.tolist() == [0, 0] and (contribution == 0).all()


def test_failed_rows_last_and_infeasible_after_feasible():
    F = np.array([[0.0, 0.0], [5.0, 5.0], [np.nan, 0.0], [1.0, 1.0], [2.0, 3.0]])
    G = np.array([[2.0], [-1.0], [-1.0], [1.0], [1.0]])
    cv = constraint_violation(F, G)
    assert _survival(F, cv, 3, True, 1)[0].tolist() == [1, 3, 4]  # violations 0, 1, 1 (lowest index)
    idx, rank, _ = _survival(F, cv, 5, True, 1)
    assert idx.tolist() == [0, 1, 2, 3, 4] and rank.tolist() == [1, 0, 1, 1, 1]


# ----------------------------------------------------------------------------
# SMSEMOA and minimize
# ----------------------------------------------------------------------------


def test_zdt1_reaches_optimal_hypervolume_steady_state():
    problem = ZDT1(n_var=10)
    res = minimize(problem, SMSEMOA(pop_size=100), ("n_eval", 5000), seed=3)
    ref = np.array([1.1, 1.1])
    assert hypervolume(res.F, ref) >= 0.99 * problem.optimal_hypervolume(ref)
    assert res.n_eval == 5000 and res.n_gen == 1 + 4900  # one child per generation after the first
    alg = res.algorithm
    np.testing.assert_array_equal(alg.rank, non_dominated_sort(alg.F))
    front = ~np.isnan(alg.contribution)
    assert front.sum() == 100 and np.isinf(alg.contribution).sum() == 2  # the 2-D extremes


def test_batch_mode_runs_generations_of_n_offsprings():
    problem = ZDT1(n_var=6)
    res = minimize(problem, SMSEMOA(pop_size=30, n_offsprings=10), ("n_gen", 20), seed=1)
    assert res.n_eval <= 30 + 19 * 10 and res.algorithm.X.shape == (30, 6)
    assert SMSEMOA(pop_size=30, n_offsprings=None).n_offsprings == 30  # pymoo's default
    assert SMSEMOA(pop_size=30).n_offsprings == 1


def test_dtlz2_hypervolume_beats_nsga2_on_the_same_budget():
    problem = DTLZ2(n_obj=3)
    ref = np.full(3, 1.1)
    sms, nsga2 = [], []
    for seed in range(3):
        sms.append(hypervolume(minimize(problem, SMSEMOA(pop_size=40), ("n_eval", 1000), seed=seed).F, ref))
        nsga2.append(hypervolume(minimize(problem, NSGA2(pop_size=40), ("n_eval", 1000), seed=seed).F, ref))
    assert np.median(sms) > np.median(nsga2)


class _Disc(Problem):
    """min (x0, x1) outside the unit disc: the front is the quarter circle."""

    def __init__(self) -> None:
        super().__init__(n_var=2, n_obj=2, n_ieq_constr=1, xl=0.0, xu=1.5)

    def _evaluate(self, X, out):
        out["F"] = X.copy()
        out["G"] = (1.0 - (X**2).sum(axis=1))[:, None]


def test_constrained_result_is_feasible():
    res = minimize(_Disc(), SMSEMOA(pop_size=30, n_offsprings=5), ("n_eval", 1500), seed=0)
    assert res.X.shape[0] > 1 and (res.G <= 0).all()
    # the front approaches the circle (the 2-D extremes, kept, converge last)
    assert abs(np.median(np.hypot(res.F[:, 0], res.F[:, 1])) - 1.0) < 0.01


def test_nan_objectives_never_returned():
    class Flaky(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=3, n_obj=2, xl=0.0, xu=1.0)

        def _evaluate(self, X, out):
            F = np.column_stack([X[:, 0], 1 - X[:, 0] + X[:, 1:].sum(axis=1)])
            F[X[:, 1] < 0.5, 0] = np.nan
            out["F"] = F

    res = minimize(Flaky(), SMSEMOA(pop_size=20), ("n_eval", 300), seed=0)
    assert res.X.shape[0] >= 1 and not np.isnan(res.F).any()
    assert not np.isnan(res.algorithm.F).any()  # measured rows always beat failed ones


@pytest.mark.parametrize("n_offsprings", [1, 7])
def test_pickle_and_resume_is_bit_identical(n_offsprings):
    # Pickled after every ask and every tell, it stays in lockstep with an
    # uninterrupted twin.
    problem = DTLZ2(n_obj=3, n_var=6)
    twin = SMSEMOA(pop_size=16, n_offsprings=n_offsprings).setup(problem, seed=5)
    resumed = pickle.loads(pickle.dumps(twin))
    for _ in range(20):
        X = resumed.ask()
        resumed = pickle.loads(pickle.dumps(resumed))
        np.testing.assert_array_equal(resumed.ask(), X)
        np.testing.assert_array_equal(twin.ask(), X)
        F, G = problem.evaluate(X)
        twin.tell(F, G)
        resumed.tell(F, G)
        resumed = pickle.loads(pickle.dumps(resumed))
    for name in ("X", "F", "G", "cv", "rank", "contribution"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(twin, name))
    assert (resumed.n_gen, resumed.n_eval) == (twin.n_gen, twin.n_eval) == (20, 16 + 19 * n_offsprings)


def test_tell_rejects_minus_inf_in_measured_rows():
    # The generic ask/tell errors (no setup, no pending ask, wrong shapes)
    # live in the shared base class and are covered in test_nsga2.py.
    problem = ZDT1(n_var=4)
    alg = SMSEMOA(pop_size=10).setup(problem, seed=0)
    F = problem.evaluate(alg.ask())[0]
    F[3, 1] = -np.inf
    with pytest.raises(ValueError, match="-inf"):
        alg.tell(F)
    F[3, 1] = 0.0
    alg.tell(F)  # the failed tell left the batch pending
    assert alg.ask().shape == (1, 4)
    with pytest.raises(ValueError, match="-inf"):
        alg.tell([[-np.inf, 0.0]])
    alg.tell([[np.nan, -np.inf]])  # a failed evaluation is never measured: accepted
    assert alg.F.shape == (10, 2) and not np.isnan(alg.F).any()
    with pytest.raises(RuntimeError, match="ask"):
        alg.tell([[0.0, 0.0]])
    # an infeasible row is ranked by its violation alone: -inf is harmless there
    disc = SMSEMOA(pop_size=4).setup(_Disc(), seed=0)
    F, G = _Disc().evaluate(disc.ask())
    F[0, 0], G[0, 0] = -np.inf, -1.0
    with pytest.raises(ValueError, match="-inf in a feasible row"):
        disc.tell(F, G)
    G[0, 0] = 1.0
    disc.tell(F, G)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"pop_size": 1}, ValueError),
        ({"pop_size": 2.5}, TypeError),
        ({"n_offsprings": 0}, ValueError),
        ({"n_offsprings": 1.0}, TypeError),
        ({"normalize": 1}, TypeError),
        ({"normalize": None}, TypeError),
        ({"crossover": "sbx"}, TypeError),
        ({"eliminate_duplicates": "yes"}, TypeError),
        ({"survival": "hv"}, TypeError),
    ],
)
def test_constructor_validation(kwargs, error):
    with pytest.raises(error):
        SMSEMOA(**kwargs)
