"""evonas.space: gene types, the genome matrix, sampling, encode/decode, validation."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evonas.space import CATEGORICAL, INTEGER, REAL, Categorical, Integer, Real, Space


def mixed_space() -> Space:
    return Space(
        [
            Real("lr", 1e-4, 1e-1, log=True),
            Integer("layers", 1, 8),
            Categorical("act", ["relu", "gelu", None, ("tuple", 3)]),
            Real("dropout", 0.0, 0.5),
        ]
    )


# ----------------------------------------------------------------------------
# Description arrays
# ----------------------------------------------------------------------------


def test_arrays_describe_the_genes():
    space = mixed_space()
    assert len(space) == 4
    assert space.names == ("lr", "layers", "act", "dropout")
    assert space.kinds.dtype == np.int8
    assert space.kinds.tolist() == [REAL, INTEGER, CATEGORICAL, REAL] == [0, 1, 2, 0]
    assert space.lower.dtype == space.upper.dtype == np.float64
    assert space.lower.tolist() == [1e-4, 1.0, 0.0, 0.0]
    assert space.upper.tolist() == [1e-1, 8.0, 3.0, 0.5]
    assert space.log.dtype == np.bool_
    assert space.log.tolist() == [True, False, False, False]
    assert space["layers"] == Integer("layers", 1, 8)
    assert space[0].name == "lr"
    with pytest.raises(KeyError, match="'depth'"):
        space["depth"]


@pytest.mark.parametrize("attr", ["kinds", "lower", "upper", "log"])
def test_arrays_are_read_only(attr):
    with pytest.raises(ValueError, match="read-only"):
        getattr(mixed_space(), attr)[0] = 1


def test_from_bounds():
    space = Space.from_bounds([0, -1.5], np.array([1.0, 2.0]))
    assert space.names == ("x0", "x1")
    assert space.kinds.tolist() == [REAL, REAL]
    assert space.lower.tolist() == [0.0, -1.5]
    assert space.upper.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="'x1'.*'low' must be < 'high'"):
        Space.from_bounds([0, 3], [1, 2])
    with pytest.raises(ValueError, match="'xl' and 'xu' must have the same length"):
        Space.from_bounds([0, 0], [1])
    with pytest.raises(ValueError, match="'xl' must be a 1-D array"):
        Space.from_bounds(0.0, [1.0])
    with pytest.raises(TypeError, match="'xu' must hold real numbers"):
        Space.from_bounds([0.0], ["a"])


def test_pickle_round_trip():
    space = mixed_space()
    back = pickle.loads(pickle.dumps(space))
    assert back == space and hash(back) == hash(space)
    assert back.names == space.names
    np.testing.assert_array_equal(back.upper, space.upper)
    assert not back.lower.flags.writeable
    X = space.sample(5, seed=3)
    assert back.decode(X) == space.decode(X)


def test_genes_normalise_numpy_scalars():
    gene = Real("a", np.float32(0.5), np.int64(2))
    assert type(gene.low) is float and type(gene.high) is float
    gene = Integer("n", 2.0, np.int32(5))
    assert (gene.low, gene.high) == (2, 5) and type(gene.low) is int
    assert Categorical("c", iter(["x", "y"])).choices == ("x", "y")


# ----------------------------------------------------------------------------
# Construction errors: each names the gene or argument
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Real("lr", 0.1, 0.1), ValueError, r"gene 'lr': 'low' must be < 'high'"),
        (lambda: Real("lr", 1.0, 0.1), ValueError, r"gene 'lr': 'low' must be < 'high'"),
        (lambda: Real("lr", float("nan"), 1.0), ValueError, r"gene 'lr': 'low' must be finite"),
        (lambda: Real("lr", 0.0, float("inf")), ValueError, r"gene 'lr': 'high' must be finite"),
        (lambda: Real("lr", 0.0, 1.0, log=True), ValueError, r"gene 'lr': a log-scaled gene needs 'low' > 0"),
        (lambda: Real("lr", -1.0, 1.0, log=True), ValueError, r"gene 'lr': a log-scaled gene"),
        (lambda: Real("lr", "0", 1.0), TypeError, r"gene 'lr': 'low' must be a real number"),
        (lambda: Real("lr", True, 2.0), TypeError, r"gene 'lr': 'low' must be a real number"),
        (lambda: Real("lr", 0.0, 1.0, log=1), TypeError, r"gene 'lr': 'log' must be a bool"),
        (lambda: Real("", 0.0, 1.0), TypeError, r"Real gene name must be a non-empty str"),
        (lambda: Real(3, 0.0, 1.0), TypeError, r"Real gene name must be a non-empty str"),
        (lambda: Integer("n", 1.5, 4), ValueError, r"gene 'n': 'low' must be integral"),
        (lambda: Integer("n", 1, 4.2), ValueError, r"gene 'n': 'high' must be integral"),
        (lambda: Integer("n", 4, 4), ValueError, r"gene 'n': 'low' must be < 'high'"),
        (lambda: Integer("n", 0, 2**60), ValueError, r"gene 'n': 'high' must be within \+-2\*\*53"),
        (lambda: Integer("n", 0, None), TypeError, r"gene 'n': 'high' must be a real number"),
        (lambda: Categorical("act", ["relu"]), ValueError, r"gene 'act': 'choices' must hold at least 2"),
        (lambda: Categorical("act", []), ValueError, r"gene 'act': 'choices' must hold at least 2"),
        (lambda: Categorical("act", ["a", "b", "a"]), ValueError, r"gene 'act': 'choices' must be distinct.*'a'"),
        (lambda: Categorical("act", [1, True]), ValueError, r"gene 'act': 'choices' must be distinct"),
        (lambda: Categorical("act", "ab"), TypeError, r"gene 'act': 'choices' must be a sequence"),
        (lambda: Categorical("act", {"a", "b"}), TypeError, r"gene 'act': 'choices' must be a sequence"),
        (lambda: Categorical("act", 3), TypeError, r"gene 'act': 'choices' must be a sequence"),
        (lambda: Categorical("act", [[1], [2]]), TypeError, r"gene 'act': every choice must be hashable"),
        (lambda: Space([]), ValueError, r"'genes' must hold at least one gene"),
        (lambda: Space([Real("a", 0, 1), Integer("a", 0, 1)]), ValueError, r"names must be unique.*'a'"),
        (lambda: Space([Real("a", 0, 1), (0, 1)]), TypeError, r"'genes'\[1\] must be a Real, Integer or Categorical"),
        (lambda: Space(Real("a", 0, 1)), TypeError, r"'genes' must be an iterable"),
        (lambda: Space(5), TypeError, r"'genes' must be an iterable"),
    ],
)
def test_construction_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


# ----------------------------------------------------------------------------
# Sampling
# ----------------------------------------------------------------------------


def test_sample_within_bounds_and_integral():
    space = mixed_space()
    X = space.sample(2000, seed=1)
    assert X.shape == (2000, 4) and X.dtype == np.float64
    assert (X >= space.lower).all() and (X <= space.upper).all()
    assert space.validate(X) is not None
    discrete = space.kinds != REAL
    np.testing.assert_array_equal(X[:, discrete], np.round(X[:, discrete]))
    # every integer value and every choice appears
    assert set(X[:, 1].tolist()) == set(range(1, 9))
    assert set(X[:, 2].tolist()) == {0.0, 1.0, 2.0, 3.0}


def test_sample_is_reproducible_and_seeded():
    space = mixed_space()
    np.testing.assert_array_equal(space.sample(10, seed=7), space.sample(10, seed=7))
    assert not np.array_equal(space.sample(10, seed=7), space.sample(10, seed=8))
    assert space.sample(0, seed=1).shape == (0, 4)


def test_sample_argument_errors():
    space = mixed_space()
    with pytest.raises(TypeError, match="'n' must be a non-negative int"):
        space.sample(2.5)
    with pytest.raises(ValueError, match="'n' must be a non-negative int"):
        space.sample(-1)
    with pytest.raises(TypeError, match="'seed'"):
        space.sample(3, seed="x")


def test_log_sampling_is_log_uniform():
    space = Space([Real("lr", 1e-4, 1e-1, log=True), Real("u", 1e-4, 1e-1)])
    X = space.sample(40_000, seed=0)
    logs = np.log10(X[:, 0])
    # log10 is uniform on [-4, -1]: quartiles at -3.25, -2.5, -1.75
    np.testing.assert_allclose(np.quantile(logs, [0.25, 0.5, 0.75]), [-3.25, -2.5, -1.75], atol=0.03)
    assert abs((X[:, 0] < 1e-3).mean() - 1 / 3) < 0.01
    # the plain real gene is uniform in value instead: almost nothing below 1e-3
    assert (X[:, 1] < 1e-3).mean() < 0.02


def test_integer_sampling_is_uniform():
    X = Space([Integer("n", -2, 2)]).sample(50_000, seed=2)
    counts = np.bincount((X[:, 0] + 2).astype(int), minlength=5)
    np.testing.assert_allclose(counts / len(X), 0.2, atol=0.01)


# ----------------------------------------------------------------------------
# Encode / decode
# ----------------------------------------------------------------------------


def test_decode_types_and_values():
    space = mixed_space()
    rows = space.decode([[1e-3, 4, 3, 0.25], [0.1, 8.0, 2, 0.0]])
    assert rows == [
        {"lr": 1e-3, "layers": 4, "act": ("tuple", 3), "dropout": 0.25},
        {"lr": 0.1, "layers": 8, "act": None, "dropout": 0.0},
    ]
    assert type(rows[0]["layers"]) is int and type(rows[0]["lr"]) is float
    assert space.decode(np.empty((0, 4))) == []


@st.composite
def spaces(draw) -> Space:
    genes = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["real", "log", "int", "cat"]))
        if kind == "real":
            low = draw(st.floats(-1e6, 1e6))
            genes.append(Real(f"g{i}", low, low + draw(st.floats(1e-3, 1e6))))
        elif kind == "log":
            low = draw(st.floats(1e-8, 1e3))
            genes.append(Real(f"g{i}", low, low * draw(st.floats(1.01, 1e6)), log=True))
        elif kind == "int":
            low = draw(st.integers(-1000, 1000))
            genes.append(Integer(f"g{i}", low, low + draw(st.integers(1, 1000))))
        else:
            choices = draw(st.lists(st.one_of(st.text(max_size=3), st.integers()), min_size=2, max_size=5, unique=True))
            genes.append(Categorical(f"g{i}", choices))
    return Space(genes)


@given(spaces(), st.integers(0, 20), st.integers(0, 2**32))
def test_encode_decode_round_trip(space, n, seed):
    X = space.sample(n, seed=seed)
    rows = space.decode(X)
    assert len(rows) == n
    np.testing.assert_array_equal(space.encode(rows), X)
    assert space.decode(space.encode(rows)) == rows


@given(
    st.fixed_dictionaries(
        {
            "lr": st.floats(1e-4, 1e-1),
            "layers": st.integers(1, 8),
            "act": st.sampled_from(["relu", "gelu", None, ("tuple", 3)]),
            "dropout": st.floats(0.0, 0.5),
        }
    )
)
def test_decode_encode_round_trip_from_dicts(row):
    space = mixed_space()
    assert space.decode(space.encode([row])) == [row]


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        ([{"lr": 0.01, "layers": 2, "act": "relu"}], ValueError, r"'rows'\[0\] must have exactly the keys.*'dropout'"),
        (
            [{"lr": 0.01, "layers": 2, "act": "relu", "dropout": 0.1, "x": 1}],
            ValueError,
            r"'rows'\[0\] .*unknown key\(s\) 'x'",
        ),
        (
            [{"lr": 0.01, "layers": 2, "act": "tanh", "dropout": 0.1}],
            ValueError,
            r"'rows'\[0\]\['act'\] must be one of",
        ),
        ([{"lr": 0.01, "layers": 2, "act": ["relu"], "dropout": 0.1}], ValueError, r"'rows'\[0\]\['act'\]"),
        ([{"lr": "x", "layers": 2, "act": "relu", "dropout": 0.1}], TypeError, r"'rows'\[0\]\['lr'\] must be a real"),
        ([{"lr": 0.5, "layers": 2, "act": "relu", "dropout": 0.1}], ValueError, r"gene 'lr'.*must lie in"),
        ([{"lr": 0.01, "layers": 2.5, "act": "relu", "dropout": 0.1}], ValueError, r"gene 'layers'.*integral"),
        ([3], TypeError, r"'rows'\[0\] must be a mapping"),
        ({"lr": 0.01}, TypeError, r"'rows' must be a sequence of mappings"),
    ],
)
def test_encode_errors(rows, error, match):
    with pytest.raises(error, match=match):
        mixed_space().encode(rows)


# ----------------------------------------------------------------------------
# Validate and repair
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.zeros((2, 3)), ValueError, r"'X' must have shape \(n, 4\).*\(2, 3\)"),
        (np.zeros(4), ValueError, r"'X' must have shape \(n, 4\)"),
        ([["a", "b", "c", "d"]], TypeError, r"'X' must hold real numbers"),
        ([[0.01, 2, 0, 0.7]], ValueError, r"'X'\[0, 3\] \(gene 'dropout'\) must lie in \[0, 0.5\]"),
        ([[0.01, 2, 0, 0.1], [1e-5, 2, 0, 0.1]], ValueError, r"'X'\[1, 0\] \(gene 'lr'\)"),
        ([[0.01, 2, 0, float("nan")]], ValueError, r"'X'\[0, 3\] \(gene 'dropout'\)"),
        ([[0.01, 2.5, 0, 0.1]], ValueError, r"'X'\[0, 1\] \(gene 'layers'\) must be integral for an integer gene"),
        ([[0.01, 2, 0.5, 0.1]], ValueError, r"'X'\[0, 2\] \(gene 'act'\) must be integral for a categorical gene"),
        ([[0.01, 2, 4, 0.1]], ValueError, r"'X'\[0, 2\] \(gene 'act'\) must lie in \[0, 3\]"),
    ],
)
def test_validate_errors(X, error, match):
    with pytest.raises(error, match=match):
        mixed_space().validate(X)


def test_validate_returns_float64_and_accepts_integers():
    space = Space([Integer("a", 0, 3), Integer("b", -1, 1)])
    out = space.validate(np.array([[0, 1], [3, -1]], dtype=np.int32))
    assert out.dtype == np.float64 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, [[0, 1], [3, -1]])


def test_repair_clips_and_rounds_into_a_new_array():
    space = mixed_space()
    X = np.array([[1.0, 0.2, 2.6, -0.3], [1e-9, 7.5, -4.0, 0.2], [0.05, 100.0, 1.49, np.inf]])
    before = X.copy()
    out = space.repair(X)
    np.testing.assert_array_equal(X, before)  # input untouched
    np.testing.assert_array_equal(out, [[0.1, 1.0, 3.0, 0.0], [1e-4, 8.0, 0.0, 0.2], [0.05, 8.0, 1.0, 0.5]])
    assert space.validate(out) is not None
    valid = space.sample(10, seed=0)
    repaired = space.repair(valid)
    assert repaired is not valid
    np.testing.assert_array_equal(repaired, valid)


def test_repair_rejects_nan_and_bad_shapes():
    space = mixed_space()
    with pytest.raises(ValueError, match=r"'X'\[0, 1\] \(gene 'layers'\) is NaN"):
        space.repair([[0.01, np.nan, 0, 0.1]])
    with pytest.raises(ValueError, match=r"'X' must have shape \(n, 4\)"):
        space.repair(np.zeros((1, 5)))
