"""Problem.evaluate on torch tensors (the array API path) and the built-ins' numpy values.

torch runs on the CPU here; every test that takes `device` also runs on CUDA
when torch sees a GPU, and is skipped otherwise.
"""

from __future__ import annotations

import functools
import math
import operator
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evonas.problems import DTLZ1, DTLZ2, DTLZ3, DTLZ4, DTLZ5, DTLZ6, DTLZ7, ZDT1, ZDT2, ZDT3, ZDT4, ZDT6, Problem

torch = pytest.importorskip("torch")

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA device")),
]

# Every built-in in several shapes: (class, constructor keywords).
BUILTINS = (
    [(c, {}) for c in (ZDT1, ZDT2, ZDT3, ZDT4, ZDT6)]
    + [(c, {"n_var": 2}) for c in (ZDT1, ZDT3, ZDT4, ZDT6)]
    + [(c, {"n_obj": m}) for c in (DTLZ1, DTLZ2, DTLZ3, DTLZ4, DTLZ5, DTLZ6, DTLZ7) for m in (2, 3, 5)]
    + [(DTLZ2, {"n_obj": 3, "n_var": 3}), (DTLZ4, {"alpha": 2.5}), (DTLZ7, {"n_obj": 4, "n_var": 4})]
)
IDS = [f"{c.__name__}-" + "-".join(f"{k}{v}" for k, v in kw.items()) for c, kw in BUILTINS]

# torch and numpy differ in libm (sin, cos, pow, exp), in summation order
# (numpy's einsum or pairwise sums against torch's vectorised reductions) and
# in how they evaluate x**6 or x**0.25, so the two paths agree to a few ulps,
# not bit for bit.
RTOL = ATOL = 1e-12


def population(problem: Problem, n: int, seed: int) -> np.ndarray:
    """`n` random rows within the bounds, then the lower and upper bounds and the centre."""
    xl, xu = problem.xl, problem.xu
    X = xl + np.random.default_rng(seed).random((n, problem.n_var)) * (xu - xl)
    return np.vstack([X, xl, xu, 0.5 * (xl + xu)])


# ----------------------------------------------------------------------------
# Built-ins: torch against numpy
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("cls", "kw"), BUILTINS, ids=IDS)
def test_builtin_torch_matches_numpy(cls, kw, device):
    p = cls(**kw)
    assert p.array_api is True
    X = population(p, 200, seed=3)
    F_np, G_np = p.evaluate(X)
    F, G = p.evaluate(torch.from_numpy(X).to(device))
    assert isinstance(F, torch.Tensor) and isinstance(G, torch.Tensor)
    assert F.device.type == G.device.type == device
    assert F.dtype == G.dtype == torch.float64
    assert F.shape == (len(X), p.n_obj) and G.shape == (len(X), 0)
    assert F.is_contiguous()
    np.testing.assert_allclose(F.cpu().numpy(), F_np, rtol=RTOL, atol=ATOL)
    assert G_np.shape == (len(X), 0)


@given(data=st.data())
def test_builtin_torch_matches_numpy_property(data):
    """Any population in the bounds (duplicates and bound values included)."""
    cls, kw = data.draw(st.sampled_from(BUILTINS))
    p = cls(**kw)
    unit = data.draw(
        hnp.arrays(
            np.float64,
            st.tuples(st.integers(1, 8), st.just(p.n_var)),
            elements=st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0)),
        )
    )
    X = p.xl + unit * (p.xu - p.xl)
    F, _ = p.evaluate(torch.from_numpy(X))
    np.testing.assert_allclose(F.numpy(), p.evaluate(X)[0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("device", DEVICES)
def test_builtin_accepts_any_real_tensor_and_leaves_it_alone(device):
    p = DTLZ2(n_obj=3, n_var=4)
    X = np.array([[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 0, 0]], dtype=np.int64)
    expected = p.evaluate(X)[0]
    for t in (torch.from_numpy(X), torch.from_numpy(X).float(), torch.from_numpy(X.T.copy()).T):
        t = t.to(device)
        before = t.clone()
        F, _ = p.evaluate(t)
        assert F.dtype == torch.float64
        np.testing.assert_allclose(F.cpu().numpy(), expected, rtol=RTOL, atol=ATOL)
        assert torch.equal(t, before)


# ----------------------------------------------------------------------------
# Built-ins: numpy values against formulas written out here
# ----------------------------------------------------------------------------


def zdt1_reference(X: np.ndarray) -> np.ndarray:
    """ZDT1 column by column; g sums with einsum, as the library does for numpy (same rounding)."""
    f1 = X[:, 0]
    g = 1.0 + 9.0 / (X.shape[1] - 1) * np.einsum("ij->i", X[:, 1:])
    return np.column_stack([f1, g * (1.0 - np.sqrt(f1 / g))])


def dtlz2_reference(X: np.ndarray, n_obj: int) -> np.ndarray:
    """DTLZ2 objective by objective: f_i = (1 + g) (c_1 ... c_{M-i} s_{M-i+1}), products left to right."""
    theta = 0.5 * math.pi * X[:, : n_obj - 1]
    g = np.sum((X[:, n_obj - 1 :] - 0.5) ** 2, axis=1)
    c, s = np.cos(theta), np.sin(theta)
    columns = []
    for i in range(1, n_obj + 1):
        cos_part = [c[:, j] for j in range(n_obj - i)]
        sin_part = [s[:, n_obj - i]] if i > 1 else []
        columns.append((1.0 + g) * functools.reduce(operator.mul, cos_part + sin_part))
    return np.column_stack(columns)


@pytest.mark.parametrize("n_var", [2, 3, 30])
def test_zdt1_numpy_values_are_bit_identical_to_the_formula(n_var):
    p = ZDT1(n_var=n_var)
    X = population(p, 500, seed=5)
    np.testing.assert_array_equal(p.evaluate(X)[0], zdt1_reference(X))


@pytest.mark.parametrize(("n_obj", "n_var"), [(2, 2), (2, 11), (3, 12), (5, 14), (8, 20)])
def test_dtlz2_numpy_values_are_bit_identical_to_the_formula(n_obj, n_var):
    p = DTLZ2(n_obj=n_obj, n_var=n_var)
    X = population(p, 500, seed=6)
    np.testing.assert_array_equal(p.evaluate(X)[0], dtlz2_reference(X, n_obj))


def test_numpy_input_gives_numpy_output():
    F, G = DTLZ7(n_obj=3).evaluate(population(DTLZ7(n_obj=3), 10, seed=0).tolist())
    assert type(F) is np.ndarray and type(G) is np.ndarray
    assert F.dtype == G.dtype == np.float64 and F.flags.c_contiguous


# ----------------------------------------------------------------------------
# User problems
# ----------------------------------------------------------------------------


class HostOnly(Problem):
    """numpy code (array_api False): records what `_evaluate` was given."""

    def __init__(self):
        super().__init__(n_var=2, n_obj=2, n_ieq_constr=1, xl=0.0, xu=1.0)
        self.seen = []

    def _evaluate(self, X, out):
        self.seen.append(X)
        X *= 2  # scribbles on its input, which must be a private copy
        out["F"] = np.column_stack([X[:, 0], np.cos(X[:, 1])])
        out["G"] = (X[:, :1] - 1.0).tolist()


class Portable(Problem):
    """array API code (array_api True), optionally returning outputs chosen by `make`."""

    array_api = True

    def __init__(self, n_ieq_constr=0, make=None):
        super().__init__(n_var=3, n_obj=2, n_ieq_constr=n_ieq_constr, xl=0.0, xu=1.0)
        self.make = make
        self.seen = []

    def _evaluate(self, X, out):
        self.seen.append(X)
        if self.make is not None:
            out.update(self.make(X))
            return
        X *= 3
        out["F"] = X[:, :2] + 1
        if self.n_ieq_constr:
            out["G"] = X[:, 2:] > 1.0  # a boolean output is read as 0/1, as on the numpy path


@pytest.mark.parametrize("device", DEVICES)
def test_host_only_problem_evaluates_a_tensor_on_the_host(device):
    X = torch.tensor([[0.25, 0.5], [1.0, 0.0]], device=device, requires_grad=True)
    before = X.detach().clone()
    p = HostOnly()
    F, G = p.evaluate(X)
    assert type(p.seen[0]) is np.ndarray and p.seen[0].dtype == np.float64 and p.seen[0].flags.c_contiguous
    assert type(F) is np.ndarray and type(G) is np.ndarray
    np.testing.assert_allclose(F, [[0.5, math.cos(1.0)], [2.0, 1.0]], rtol=1e-15)
    np.testing.assert_array_equal(G, [[-0.5], [1.0]])
    assert torch.equal(X.detach(), before)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("layout", ["int32-transposed", "float64-contiguous"])
def test_portable_problem_keeps_a_tensor_on_its_device(layout, device):
    X = torch.arange(9, dtype=torch.int32, device=device).reshape(3, 3)
    X = X.T if layout == "int32-transposed" else X.double()  # `_evaluate` gets a copy either way
    before = X.clone()
    p = Portable(n_ieq_constr=1)
    F, G = p.evaluate(X)
    seen = p.seen[0]
    assert isinstance(seen, torch.Tensor) and seen.dtype == torch.float64 and seen.is_contiguous()
    assert seen.device == X.device
    expected = 3.0 * X.double().cpu().numpy()
    assert isinstance(F, torch.Tensor) and isinstance(G, torch.Tensor)
    assert F.device == G.device == X.device and F.dtype == G.dtype == torch.float64
    np.testing.assert_array_equal(F.cpu().numpy(), expected[:, :2] + 1)
    np.testing.assert_array_equal(G.cpu().numpy(), (expected[:, 2:] > 1).astype(np.float64))
    assert torch.equal(X, before)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("problem", [Portable, HostOnly, ZDT1], ids=lambda c: c.__name__)
def test_empty_population_from_a_tensor(problem, device):
    p = problem()
    F, G = p.evaluate(torch.empty((0, p.n_var), device=device))
    kind = torch.Tensor if p.array_api else np.ndarray
    assert isinstance(F, kind) and isinstance(G, kind)
    assert tuple(F.shape) == (0, p.n_obj) and tuple(G.shape) == (0, p.n_ieq_constr)
    if p.array_api:
        assert F.device.type == G.device.type == device and F.dtype == G.dtype == torch.float64


# ----------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("problem", [ZDT1, HostOnly], ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda n: torch.zeros((4, n - 1)),
            ValueError,
            r"'X' must have shape \(n, {n}\), but it has shape \(4, {m}\)$",
        ),
        (lambda n: torch.zeros(n), ValueError, r"'X' must have shape \(n, {n}\).*X\[None, :\]"),
        (
            lambda n: torch.zeros((2, 3, n)),
            ValueError,
            r"'X' must have shape \(n, {n}\), but it has shape \(2, 3, {n}\)",
        ),
        (lambda n: torch.zeros((2, n), dtype=torch.bool), TypeError, r"'X' must hold real numbers.*torch.bool"),
        (lambda n: torch.zeros((2, n), dtype=torch.complex128), TypeError, r"'X' must hold real numbers.*complex128"),
    ],
)
def test_bad_tensor_x_is_rejected(problem, make, error, match, device):
    p = problem()
    X = make(p.n_var).to(device)
    with pytest.raises(error, match=match.format(n=p.n_var, m=p.n_var - 1)):
        p.evaluate(X)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    ("make", "n_ieq", "error", "match"),
    [
        (lambda X: {}, 0, ValueError, r"Portable._evaluate must set out\['F'\]"),
        (lambda X: {"F": X}, 0, ValueError, r"Portable._evaluate: out\['F'\] must have shape \(5, 2\).*\(5, 3\)"),
        (lambda X: {"F": X[:, 0]}, 0, ValueError, r"out\['F'\] must have shape \(5, 2\) \(n, n_obj\).*\(5,\)"),
        (lambda X: {"F": X[:, :2], "G": X[:, :1]}, 0, ValueError, r"set out\['G'\].*n_ieq_constr=0"),
        (lambda X: {"F": X[:, :2]}, 2, ValueError, r"must set out\['G'\] \(n_ieq_constr=2\)"),
        (lambda X: {"F": X[:, :2], "G": X}, 2, ValueError, r"out\['G'\] must have shape \(5, 2\) \(n, n_ieq_constr\)"),
        (
            lambda X: {"F": np.zeros((5, 2))},
            0,
            TypeError,
            r"Portable._evaluate: out\['F'\] must be a torch tensor on .*array_api=True.*ndarray",
        ),
        (lambda X: {"F": [[0.0, 0.0]] * 5}, 0, TypeError, r"out\['F'\] must be a torch tensor on .*but it is a list"),
        (
            lambda X: {"F": X[:, :2], "G": np.zeros((5, 1))},
            1,
            TypeError,
            r"Portable._evaluate: out\['G'\] must be a torch tensor",
        ),
        (
            lambda X: {"F": X[:, :2].to(torch.complex128)},
            0,
            TypeError,
            r"out\['F'\] must be a float array, but its dtype is torch.complex128",
        ),
    ],
)
def test_bad_outputs_from_tensors_are_rejected(make, n_ieq, error, match, device):
    with pytest.raises(error, match=match):
        Portable(n_ieq, make).evaluate(torch.zeros((5, 3), device=device))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA device")
def test_output_on_another_device_is_rejected():
    p = Portable(make=lambda X: {"F": X[:, :2].cpu()})
    with pytest.raises(TypeError, match=r"out\['F'\] must be a torch tensor on cuda.*torch tensor on cpu"):
        p.evaluate(torch.zeros((5, 3), device="cuda"))


def test_nan_objectives_pass_through_on_the_tensor_path():
    F, _ = Portable(make=lambda X: {"F": X[:, :2] * math.nan}).evaluate(torch.zeros((2, 3)))
    assert bool(torch.isnan(F).all())


def test_numpy_evaluation_imports_no_array_library():
    """The dispatch only looks at torch or CuPy when the input already is such an array."""
    code = (
        "import sys, numpy as np\n"
        "from evonas.problems import DTLZ2, ZDT1\n"
        "ZDT1().evaluate(np.zeros((2, 30))); DTLZ2().evaluate(np.zeros((2, 12)))\n"
        "assert not {'torch', 'cupy'} & set(sys.modules), sorted({'torch', 'cupy'} & set(sys.modules))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
