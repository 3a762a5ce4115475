"""Hypothesis profiles and the strategies shared by the kernel tests.

Profiles (select with the environment variable HYPOTHESIS_PROFILE):

ci (default)
    Few examples per test so that the whole suite runs in a few minutes on two
    cores; no deadline (kernels start threads, timings vary).
thorough
    Many more examples, for a long local or nightly run.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

sys.path.insert(0, str(Path(__file__).resolve().parent))  # makes `import reference` work

# When a property fails, Hypothesis imports libcst to suggest a patch. On some
# installs that import emits a DeprecationWarning (from mypy_extensions), which
# the suite's filterwarnings=error turns into a pytest INTERNALERROR that hides
# the failure. Import it once here with warnings silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:  # libcst not installed: Hypothesis skips the patch
        pass

settings.register_profile(
    "ci",
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# ----------------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------------

INF = float("inf")

#: Finite floats with no subnormals and no -0.0 (tested separately).
finite_floats = st.floats(-100.0, 100.0, allow_nan=False, allow_infinity=False, allow_subnormal=False).map(
    lambda x: x + 0.0
)


@st.composite
def objective_matrices(
    draw,
    n=(0, 12),
    m=(1, 4),
    kind: str | None = None,
    infinities: tuple[float, ...] = (),
    duplicates: bool = True,
) -> np.ndarray:
    """Float64 (n, m) matrices of objective values.

    Parameters
    ----------
    n, m : (int, int)
        Inclusive ranges for the number of points and objectives.
    kind : {"grid", "float", None}
        "grid": small integers (heavy ties and duplicate rows); "float": finite
        floats in [-100, 100]; None: either.
    infinities : tuple of float
        Infinite values to mix in, e.g. ``(inf, -inf)``; none by default.
    duplicates : bool
        Sometimes build the rows by resampling a few base rows, so that many
        rows are identical.
    """
    n_rows = draw(st.integers(*n))
    n_cols = draw(st.integers(*m))
    kind = kind or draw(st.sampled_from(["grid", "float"]))
    if kind == "grid":
        top = draw(st.integers(0, 4))
        elements = st.integers(0, top).map(float)
    else:
        elements = finite_floats
    if infinities:
        elements = st.one_of(elements, elements, elements, st.sampled_from(list(infinities)))
    if duplicates and n_rows > 1 and draw(st.booleans()):
        n_base = draw(st.integers(1, n_rows))
        base = draw(hnp.arrays(np.float64, (n_base, n_cols), elements=elements))
        pick = draw(st.lists(st.integers(0, n_base - 1), min_size=n_rows, max_size=n_rows))
        return base[pick]
    return draw(hnp.arrays(np.float64, (n_rows, n_cols), elements=elements))


LAYOUTS = ("C", "F", "strided", "reversed", "transposed")


def in_layout(F: np.ndarray, layout: str) -> np.ndarray:
    """The same values as `F` in another memory layout (a view where possible).

    Parameters
    ----------
    F : numpy.ndarray, shape (n, m)
    layout : {"C", "F", "strided", "reversed", "transposed"}
        C order, Fortran order, every other row and third column of a larger
        array, negative strides, or the transpose of a C-ordered (m, n) array.
    """
    n, m = F.shape
    if layout == "C":
        out = np.ascontiguousarray(F)
    elif layout == "F":
        out = np.asfortranarray(F)
    elif layout == "strided":
        big = np.zeros((2 * n, 3 * m), dtype=F.dtype)
        big[::2, ::3] = F
        out = big[::2, ::3]
    elif layout == "reversed":
        out = np.ascontiguousarray(F[::-1, ::-1])[::-1, ::-1]
    elif layout == "transposed":
        out = np.ascontiguousarray(F.T).T
    else:  # pragma: no cover
        raise ValueError(layout)
    assert np.array_equal(out, F)
    return out


def cast_exactly(F: np.ndarray, dtype) -> np.ndarray:
    """`F` converted to `dtype`; integer dtypes only for integer-valued `F`."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        assert np.all(np.isfinite(F)) and np.array_equal(F, np.round(F))
    return F.astype(dtype)


@st.composite
def hv_problems(draw, n=(0, 10), m=(1, 4), kind: str | None = None, pos_inf: bool = True):
    """(F, ref) pairs for the hypervolume kernels (minimisation).

    `ref` is either above every finite value of `F` (most points count) or
    drawn like the values of `F` (many points lie on or beyond its boundary
    and must add nothing). With `pos_inf`, `F` may hold +inf.
    """
    kind = kind or draw(st.sampled_from(["grid", "float"]))
    F = draw(objective_matrices(n=n, m=m, kind=kind, infinities=(INF,) if pos_inf else ()))
    n_cols = F.shape[1]
    finite = np.where(np.isfinite(F), F, -np.inf)
    top = finite.max(axis=0, initial=0.0) if F.size else np.zeros(n_cols)
    top = np.where(np.isfinite(top), top, 0.0)
    if draw(st.booleans()):
        if kind == "grid":
            offset = np.array(draw(st.lists(st.integers(1, 2), min_size=n_cols, max_size=n_cols)), dtype=float)
        else:
            offset = np.array(
                draw(st.lists(st.floats(0.5, 10.0), min_size=n_cols, max_size=n_cols)), dtype=float
            )
        ref = top + offset
    else:
        values = st.integers(0, 5).map(float) if kind == "grid" else finite_floats
        ref = np.array(draw(st.lists(values, min_size=n_cols, max_size=n_cols)), dtype=float)
    return F, ref


@st.composite
def numpy_matrices(draw, n=(40, 300), m=(1, 8), infinities: tuple[float, ...] = ()) -> np.ndarray:
    """Larger (n, m) matrices, drawn by numpy from a Hypothesis-chosen seed.

    Cheaper to generate than :func:`objective_matrices` at this size; the
    failure report shows the seed and parameters. Kinds: uniform floats, an
    integer grid with 1-6 levels (heavy ties), rows resampled from a few base
    rows (many copies), and points near a linear front (many fronts).
    """
    n_rows = draw(st.integers(*n), label="n")
    n_cols = draw(st.integers(*m), label="m")
    kind = draw(st.sampled_from(["float", "grid", "copies", "front"]), label="kind")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    if kind == "float":
        F = rng.uniform(-10, 10, size=(n_rows, n_cols))
    elif kind == "grid":
        F = rng.integers(0, draw(st.integers(1, 6), label="levels"), size=(n_rows, n_cols)).astype(float)
    elif kind == "copies":
        base = rng.integers(0, 4, size=(draw(st.integers(1, 12), label="n_base"), n_cols)).astype(float)
        F = base[rng.integers(0, base.shape[0], size=n_rows)]
    else:
        X = rng.random((n_rows, n_cols))
        F = X / np.maximum(X.sum(axis=1, keepdims=True), 1e-9) + 0.05 * rng.random((n_rows, 1))
    if infinities and draw(st.booleans(), label="with_inf"):
        where = rng.random(F.shape) < 0.05
        F[where] = rng.choice(np.array(infinities), size=int(where.sum()))
    return F


@pytest.fixture(scope="module")
def torch_one_thread():
    """Tiny models: intra-op threads only add overhead (and stall on a loaded machine)."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
