"""problems.from_function: per-genome functions compiled by numba (or run in
Python) over whole populations."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from evonas import NSGA2, hypervolume, minimize
from evonas.problems import ZDT1, from_function


def zdt1(x):
    g = 1.0 + 9.0 * np.sum(x[1:]) / (len(x) - 1)
    return np.array([x[0], g * (1.0 - np.sqrt(x[0] / g))])


def circle(x):
    # min (x0, x1) subject to x0^2 + x1^2 >= 1, written as a loop numpy would not need
    s = 0.0
    for v in x:
        s += v * v
    return (x[0], x[1], 1.0 - s)


def plain_python(v):
    return v


def not_compilable(x):
    return np.array([plain_python(x[0]), x[1]])  # calls a function numba has not compiled


def raises_on_big(x):
    if x[0] > 0.9:
        raise ValueError("x0 too big")
    return np.array([x[0], x[1]])


JITS = ["auto", True, False]


@pytest.mark.parametrize("jit", JITS)
def test_matches_the_vectorised_problem(jit):
    if jit is True:
        pytest.importorskip("numba")
    p = from_function(zdt1, n_obj=2, xl=np.zeros(30), xu=np.ones(30), jit=jit)
    X = np.random.default_rng(1).random((500, 30))
    F, G = p.evaluate(X)
    np.testing.assert_allclose(F, ZDT1().evaluate(X)[0], rtol=1e-14, atol=1e-14)
    assert G.shape == (500, 0)
    assert p.evaluate(X[:0])[0].shape == (0, 2)
    assert "from_function(zdt1, n_var=30, n_obj=2" in repr(p)


@pytest.mark.parametrize("jit", JITS)
def test_constraints_and_tuples(jit):
    if jit is True:
        pytest.importorskip("numba")
    p = from_function(circle, n_obj=2, n_ieq_constr=1, xl=[0.0, 0.0], xu=[1.0, 1.0], jit=jit)
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.6, 0.8], [0.5, 0.5]])
    F, G = p.evaluate(X)
    np.testing.assert_array_equal(F, X)
    np.testing.assert_allclose(G[:, 0], 1.0 - (X**2).sum(axis=1))


def test_compiled_and_python_agree_on_a_search():
    pytest.importorskip("numba")
    runs = [
        minimize(from_function(zdt1, n_obj=2, xl=np.zeros(10), xu=np.ones(10), jit=jit), NSGA2(pop_size=40), ("n_gen", 60), seed=2)
        for jit in (True, False)
    ]
    np.testing.assert_allclose(runs[0].F, runs[1].F, rtol=1e-12)
    ref = np.array([1.1, 1.1])
    assert hypervolume(runs[0].F, ref) >= 0.95 * ZDT1(n_var=10).optimal_hypervolume(ref)


def test_a_function_numba_cannot_compile():
    pytest.importorskip("numba")
    X = np.array([[0.25, 0.5]])
    with pytest.warns(RuntimeWarning, match="numba could not compile"):
        F, _ = from_function(not_compilable, n_obj=2, xl=[0, 0], xu=[1, 1]).evaluate(X)
    np.testing.assert_array_equal(F, [[0.25, 0.5]])
    with pytest.raises(TypeError, match="numba could not compile"):
        from_function(not_compilable, n_obj=2, xl=[0, 0], xu=[1, 1], jit=True).evaluate(X)


@pytest.mark.parametrize("n", [3, 5000])
def test_errors_name_the_row(n):
    X = np.full((n, 2), 0.2)
    X[2, 0] = 0.95
    with pytest.raises(ValueError, match="x0 too big"):
        from_function(raises_on_big, n_obj=2, xl=[0, 0], xu=[1, 1], jit=False).evaluate(X)
    pytest.importorskip("numba")
    with pytest.raises(RuntimeError, match="raised ValueError on row 2 of X: x0 too big"):
        from_function(raises_on_big, n_obj=2, xl=[0, 0], xu=[1, 1], jit=True).evaluate(X)


def test_python_path_checks_every_row():
    def ragged(x):  # right width on row 0, a single value on the others
        return np.array([x[0], x[1]]) if x[0] == 0.0 else np.array([x[0]])

    with pytest.raises(ValueError, match=r"must return 2 values .* returned shape \(1,\)"):
        from_function(ragged, n_obj=2, xl=[0, 0], xu=[1, 1], jit=False).evaluate(np.array([[0.0, 0.1], [0.5, 0.2]]))


@pytest.mark.parametrize("jit", JITS)
def test_wrong_output_length(jit):
    if jit is True:
        pytest.importorskip("numba")
    p = from_function(zdt1, n_obj=3, xl=np.zeros(4), xu=np.ones(4), jit=jit)
    with pytest.raises(ValueError, match=r"must return 3 values .* returned shape \(2,\)"):
        p.evaluate(np.zeros((2, 4)))


def test_pickles_and_recompiles():
    pytest.importorskip("numba")
    p = from_function(zdt1, n_obj=2, xl=np.zeros(5), xu=np.ones(5), jit=True)
    X = np.random.default_rng(3).random((20, 5))
    F = p.evaluate(X)[0]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(p)).evaluate(X)[0], F)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((3,), {"n_obj": 2, "xl": [0], "xu": [1]}, TypeError, "'func' must be callable"),
        ((zdt1,), {"n_obj": 2, "xl": [0], "xu": [1], "jit": "yes"}, ValueError, "'jit' must be 'auto', True or False"),
        ((zdt1,), {"n_obj": 0, "xl": [0], "xu": [1]}, ValueError, "n_obj"),
        ((zdt1,), {"n_obj": 2, "xl": [0], "xu": [1], "n_ieq_constr": -1}, ValueError, "n_ieq_constr"),
        ((zdt1,), {"n_obj": 2, "xl": [0, 0], "xu": [1]}, ValueError, "xu"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        from_function(*args, **kwargs)
