"""The forest surrogate, the genome encoding and screening, against plain references."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import reference
import reference_forest as rf
from hypothesis import given
from hypothesis import strategies as st

from evonas import Categorical, Integer, Real, Space, _core
from evonas.surrogate import ForestSurrogate, GenomeEncoder, Surrogate, screen


def nodes_of(model: ForestSurrogate) -> tuple[np.ndarray, ...]:
    table = model.node_table()
    return tuple(table[k] for k in ("feature", "threshold", "right", "value", "tree_offset"))


def assert_same_forest(a: ForestSurrogate, b: ForestSurrogate) -> None:
    for x, y in zip(nodes_of(a), nodes_of(b)):
        assert x.dtype == y.dtype and np.array_equal(x, y)


def smooth(X: np.ndarray) -> np.ndarray:
    return np.sin(3 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] * X[:, 3]


# -- the oracle itself ---------------------------------------------------------


def test_reference_philox_matches_known_answers():
    # Random123 kat_vectors, philox4x32_10 (the same vectors rng.hpp asserts).
    assert rf.philox_block([0, 0, 0, 0], [0, 0]) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    assert rf.philox_block([rf.MASK32] * 4, [rf.MASK32] * 2) == [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]


# -- fitting and prediction against the reference -------------------------------


@st.composite
def training_sets(draw):
    n = draw(st.integers(1, 25), label="n")
    d = draw(st.integers(1, 4), label="d")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="data_seed"))
    kind = draw(st.sampled_from(["float", "grid", "copies"]), label="kind")
    if kind == "float":
        X = rng.uniform(-5, 5, (n, d))
        y = rng.normal(size=n)
    elif kind == "grid":  # heavy ties in features and targets
        X = rng.integers(0, 3, (n, d)).astype(float)
        y = rng.integers(0, 2, n).astype(float)
    else:  # duplicated rows with different targets
        base = rng.random((max(1, n // 3), d))
        X = base[rng.integers(0, base.shape[0], n)]
        y = rng.normal(size=n)
    return X, y


@given(
    data=training_sets(),
    n_trees=st.integers(1, 4),
    mf=st.floats(0.01, 1.0),
    msl=st.integers(1, 4),
    max_depth=st.sampled_from([None, 1, 2, 5]),
    bootstrap=st.booleans(),
    seed=st.integers(0, 2**64 - 1),
)
def test_forest_matches_reference(data, n_trees, mf, msl, max_depth, bootstrap, seed):
    X, y = data
    model = ForestSurrogate(n_trees, max_features=mf, min_samples_leaf=msl, max_depth=max_depth,
                            bootstrap=bootstrap, seed=seed, n_threads=2).fit(X, y)
    d = X.shape[1]
    expected = rf.fit_forest(X, y, n_trees=n_trees, max_features=max(1, int(round(mf * d))),
                             min_samples_leaf=msl, max_depth=max_depth or 0, bootstrap=bootstrap, seed=seed)
    for got, want in zip(nodes_of(model), expected):
        np.testing.assert_array_equal(got, want)
    Q = np.vstack([X, np.random.default_rng(0).uniform(-6, 6, (7, d))])
    mean, std = model.predict(Q)
    ref_mean, ref_std, preds = rf.predict(expected, Q)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(std, ref_std, rtol=1e-9, atol=1e-12)
    agree = (preds == preds[:, :1]).all(axis=1)
    assert (std[agree] == 0).all() and np.array_equal(mean[agree], preds[agree, 0])


# -- prediction of hand-made node tables against the reference descent --------------

# Few distinct values, with ties between nodes, signed zeros, neighbours and
# ranges too wide or too narrow to divide into buckets.
THRESHOLDS = [-1.5, -0.0, 0.0, 5e-324, 1e-300, 0.25, 0.5, np.nextafter(0.5, 1.0), 2.0, -1e308, 1e308]


def random_tree(rng: np.random.Generator, d: int, max_depth: int, deep: bool, pool: np.ndarray) -> list[list]:
    """[feature, threshold, right (local), value] rows in preorder; `deep`: a long chain."""
    nodes: list[list] = []

    def build(depth: int) -> None:
        node = len(nodes)
        if depth == max_depth or len(nodes) > 300 or (not deep and rng.random() < 0.25):
            nodes.append([0, -np.inf, node, float(rng.integers(-8, 9)) / 4])
            return
        nodes.append([int(rng.integers(d)), float(rng.choice(pool)), None, 0.0])
        if deep and rng.random() < 0.5:  # one side a leaf, the other goes on
            nodes.append([0, -np.inf, node + 1, float(rng.integers(-8, 9)) / 4])
        else:
            build(depth + 1)
        nodes[node][2] = len(nodes)
        build(depth + 1)

    build(0)
    return nodes


def node_arrays(trees: list[list[list]]) -> tuple[np.ndarray, ...]:
    rows = [row for tree in trees for row in tree]
    offsets = np.cumsum([0] + [len(tree) for tree in trees])
    shift = np.repeat(offsets[:-1], [len(tree) for tree in trees])
    return (np.array([r[0] for r in rows], np.int32), np.array([r[1] for r in rows], np.float64),
            (np.array([r[2] for r in rows]) + shift).astype(np.int32), np.array([r[3] for r in rows], np.float64),
            offsets.astype(np.int64))


def queries(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """Rows from the thresholds, their neighbours and random values."""
    pool = np.array(THRESHOLDS + [np.nextafter(t, s) for t in THRESHOLDS for s in (-np.inf, np.inf)] + [-3.0, 3.0])
    X = rng.choice(pool, (n, d))
    return np.where(rng.random((n, d)) < 0.2, rng.uniform(-3, 3, (n, d)), X)


@given(
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(1, 3),
    n_trees=st.integers(1, 5),
    max_depth=st.sampled_from([0, 1, 3, 12, 60]),
    deep=st.booleans(),
    n=st.sampled_from([1, 7, 8, 9, 255, 257, 600]),
)
def test_prediction_matches_the_reference_descent(seed, d, n_trees, max_depth, deep, n):
    rng = np.random.default_rng(seed)
    pool = rng.choice(THRESHOLDS, int(rng.integers(1, len(THRESHOLDS) + 1)), replace=False)
    trees = [random_tree(rng, d, max_depth, deep, pool) for _ in range(n_trees)]
    X = queries(rng, n, d)
    ref_mean, ref_std, preds = rf.predict(node_arrays(trees), X)
    for t, tree in enumerate(trees):  # each tree alone: the leaf's value, bit for bit
        mean, std = _core.forest_predict_packed(_core.forest_pack(node_arrays([tree]), d), X, 1)
        assert np.array_equal(mean, preds[:, t]) and np.all(std == 0)
    packed = _core.forest_pack(node_arrays(trees), d)
    outputs = [_core.forest_predict_packed(packed, X, threads) for threads in (1, 2, 3)]
    for mean, std in outputs:
        assert np.array_equal(mean, outputs[0][0]) and np.array_equal(std, outputs[0][1])
    mean, std = outputs[0]
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(std, ref_std, rtol=1e-9, atol=1e-12)
    legacy = _core.forest_predict(node_arrays(trees), d, X, 2)
    assert np.array_equal(legacy[0], mean) and np.array_equal(legacy[1], std)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prediction_with_crowded_and_spread_thresholds(seed):
    """Features whose thresholds crowd one bucket (many more than a vector
    compares at once: the encoder's search fallback) next to spread ones."""
    rng = np.random.default_rng(seed)
    crowded = np.concatenate([np.sort(rng.uniform(0.0, 1e-6, 120)), [1000.0]])
    spread = np.linspace(-2.0, 2.0, 40)
    pool = np.concatenate([crowded, spread])
    trees = [random_tree(rng, 3, 60, True, pool) for _ in range(6)]
    near = np.concatenate([pool, np.nextafter(pool, -np.inf), np.nextafter(pool, np.inf), [-1e300, 1e300]])
    X = rng.choice(near, (700, 3))
    ref_mean, ref_std, _ = rf.predict(node_arrays(trees), X)
    mean, std = _core.forest_predict_packed(_core.forest_pack(node_arrays(trees), 3), X, 2)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(std, ref_std, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("n_features", [1, 3])
def test_native_prediction_refuses_non_finite_rows(bad, n_features):
    # A feature without thresholds (every tree splits on feature 0 only) is checked too.
    trees = [[[0, 0.5, 2, 0.0], [0, -np.inf, 1, 1.0], [0, -np.inf, 2, 2.0]]]
    packed = _core.forest_pack(node_arrays(trees), n_features)
    for row in (0, 299, 599):
        X = np.zeros((600, n_features))
        X[row, -1] = bad
        with pytest.raises(ValueError, match="X must be finite"):
            _core.forest_predict_packed(packed, X, 2)


def test_packed_forest_is_made_only_from_a_checked_table():
    trees = [[[0, 0.5, 2, 0.0], [0, -np.inf, 1, 1.0], [0, -np.inf, 2, 2.0]]]
    with pytest.raises(TypeError):
        _core._PackedForest()
    assert _core.forest_pack(node_arrays(trees), 3).n_features == 3
    with pytest.raises(ValueError, match="malformed forest"):
        _core.forest_pack(node_arrays(trees), 0)
    with pytest.raises(ValueError, match="at most 134217727 features"):
        _core.forest_pack(node_arrays(trees), 200_000_000)
    arrays = list(node_arrays(trees))
    arrays[2] = arrays[2].copy()
    arrays[2][0] = 1  # the right child is the left one
    with pytest.raises(ValueError, match="malformed forest"):
        _core.forest_pack(tuple(arrays), 1)
    with pytest.raises(ValueError, match="n_features columns"):
        _core.forest_predict_packed(_core.forest_pack(node_arrays(trees), 1), np.zeros((2, 2)), 1)


def test_min_samples_leaf_and_max_depth_hold():
    rng = np.random.default_rng(3)
    X, y = rng.random((300, 5)), rng.random(300)
    model = ForestSurrogate(5, min_samples_leaf=7, max_depth=4, seed=1).fit(X, y)
    feature, threshold, right, value, offsets = nodes_of(model)
    for t in range(5):
        lo, hi = offsets[t], offsets[t + 1]
        counts = np.zeros(hi - lo, int)
        depth = np.zeros(hi - lo, int)
        for x in X:
            i, steps = lo, 0
            while right[i] != i:
                i = i + 1 if x[feature[i]] <= threshold[i] else right[i]
                steps += 1
            counts[i - lo] += 1
            depth[i - lo] = steps
        leaves = right[lo:hi] == np.arange(lo, hi)  # without bootstrap every leaf holds samples
        assert counts[leaves].min() >= 7 and depth[leaves].max() <= 4


def test_constant_target_has_zero_uncertainty():
    rng = np.random.default_rng(0)
    X = rng.random((50, 3))
    model = ForestSurrogate(30, bootstrap=True, seed=2).fit(X, np.full(50, 0.1))
    mean, std = model.predict(rng.uniform(-3, 3, (1000, 3)))
    assert np.all(mean == 0.1) and np.all(std == 0.0)


def test_uncertainty_is_larger_where_the_data_are_noisy():
    rng = np.random.default_rng(1)
    X = rng.random((400, 3))
    noisy = X[:, 0] > 0.5
    y = smooth(np.hstack([X, X[:, :1]])) + noisy * rng.normal(0, 0.5, 400)
    model = ForestSurrogate(100, bootstrap=True, min_samples_leaf=3, seed=3).fit(X, y)
    Q = rng.random((2000, 3))
    _, std = model.predict(Q)
    assert std[Q[:, 0] > 0.5].mean() > 1.5 * std[Q[:, 0] <= 0.5].mean() > 0


def kendall_tau(a: np.ndarray, b: np.ndarray) -> float:
    """Tau-a over all pairs (small n)."""
    i, j = np.triu_indices(len(a), 1)
    return float(np.mean(np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])))


def test_forest_ranks_held_out_points():
    rng = np.random.default_rng(2)
    X, Q = rng.random((400, 6)), rng.random((400, 6))
    mean, _ = ForestSurrogate(100, seed=0).fit(X, smooth(X)).predict(Q)
    assert kendall_tau(mean, smooth(Q)) > 0.7


def test_same_result_for_any_thread_count():
    rng = np.random.default_rng(4)
    X, y = rng.random((400, 8)), rng.random(400)
    Q = rng.random((3000, 8))
    models = [ForestSurrogate(20, max_features=3, bootstrap=True, seed=9, n_threads=t).fit(X, y) for t in (1, 2, 3)]
    outputs = [m.predict(Q) for m in models]
    for m, out in zip(models[1:], outputs[1:]):
        assert_same_forest(models[0], m)
        assert np.array_equal(out[0], outputs[0][0]) and np.array_equal(out[1], outputs[0][1])


def test_refit_update_and_pickle_are_bit_identical():
    rng = np.random.default_rng(5)
    X, y, Q = rng.random((120, 4)), rng.random(120), rng.random((500, 4))
    X0, y0 = X.copy(), y.copy()
    a = ForestSurrogate(10, max_features=2, seed=11).fit(X, y)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)  # inputs untouched
    b = ForestSurrogate(10, max_features=2, seed=11).fit(X[:70], y[:70]).update(X[70:], y[70:])
    assert_same_forest(a, b)
    c = pickle.loads(pickle.dumps(b))
    assert_same_forest(a, c)
    for p, q in zip(a.predict(Q), c.predict(Q)):
        assert np.array_equal(p, q)
    # resume keeps refitting the same way
    extra_X, extra_y = rng.random((10, 4)), rng.random(10)
    assert_same_forest(a.update(extra_X, extra_y), c.update(extra_X, extra_y))
    assert c.n_samples == 130 and c.n_features == 4
    # an unfitted model pickles too
    fresh = pickle.loads(pickle.dumps(ForestSurrogate(3, seed=1)))
    assert fresh.n_samples == 0 and fresh.seed == 1


def test_different_seeds_give_different_forests():
    rng = np.random.default_rng(6)
    X, y = rng.random((60, 3)), rng.random(60)
    a = ForestSurrogate(5, seed=1).fit(X, y)
    b = ForestSurrogate(5, seed=2).fit(X, y)
    assert not np.array_equal(a.node_table()["threshold"], b.node_table()["threshold"])


def test_corrupt_pickle_is_rejected():
    rng = np.random.default_rng(7)
    model = ForestSurrogate(3, seed=1).fit(rng.random((30, 2)), rng.random(30))
    state = model.__getstate__()
    state["_nodes"]["right"][0] = 10**6  # a child outside the tree
    broken = ForestSurrogate.__new__(ForestSurrogate)
    with pytest.raises(ValueError, match="malformed forest"):
        broken.__setstate__(state)
    state = model.__getstate__()
    state["_nodes"]["feature"][0] = 5  # a feature the model does not have
    with pytest.raises(ValueError, match="malformed forest"):
        broken.__setstate__(state)


def test_surrogate_protocol():
    assert isinstance(ForestSurrogate(), Surrogate)


@pytest.mark.parametrize(
    "X, y, exc, match",
    [
        (np.ones((0, 3)), np.ones(0), ValueError, "at least one sample"),
        (np.ones((4, 0)), np.ones(4), ValueError, "at least one feature"),
        (np.ones(4), np.ones(4), ValueError, "2-D"),
        (np.ones((4, 2)), np.ones(3), ValueError, "one target per row"),
        (np.ones((4, 2)), np.array([1, 2, np.nan, 4.0]), ValueError, r"'y'\[2\]"),
        (np.ones((4, 2)), np.array([1, 2, np.inf, 4.0]), ValueError, "'y' must be finite"),
        (np.array([[1, 2], [np.nan, 1], [1, 1], [2, 2]]), np.ones(4), ValueError, r"'X'\[1, 0\]"),
        (np.array([["a", "b"]]), np.ones(1), TypeError, "real numbers"),
    ],
)
def test_fit_rejects_bad_input(X, y, exc, match):
    with pytest.raises(exc, match=match):
        ForestSurrogate(3, seed=0).fit(X, y)


def test_predict_rejects_bad_input():
    model = ForestSurrogate(3, seed=0)
    with pytest.raises(RuntimeError, match="not fitted"):
        model.predict(np.ones((2, 3)))
    model.fit(np.random.default_rng(0).random((10, 3)), np.arange(10.0))
    with pytest.raises(ValueError, match="must have 3 columns"):
        model.predict(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"must be finite, but 'X'\[0, 1\] is (np\.float64\()?nan"):
        model.predict(np.array([[0.0, np.nan, 1.0]]))
    rows = np.ones((1000, 3))
    rows[[700, 900], [2, 0]] = [np.inf, np.nan]
    with pytest.raises(ValueError, match=r"must be finite, but 'X'\[700, 2\] is (np\.float64\()?inf"):
        model.predict(rows)
    with pytest.raises(ValueError, match="must have 3 columns"):
        model.update(np.ones((2, 2)), np.ones(2))
    assert model.predict(np.ones((0, 3)))[0].shape == (0,)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"n_trees": 0}, ValueError, "n_trees"),
        ({"n_trees": 2.5}, TypeError, "n_trees"),
        ({"max_features": 0}, ValueError, "max_features"),
        ({"max_features": 1.5}, ValueError, "max_features"),
        ({"max_features": "sqrt"}, TypeError, "max_features"),
        ({"min_samples_leaf": 0}, ValueError, "min_samples_leaf"),
        ({"max_depth": 0}, ValueError, "max_depth"),
        ({"bootstrap": 1}, TypeError, "bootstrap"),
        ({"seed": -1}, ValueError, "seed"),
        ({"n_threads": 0}, ValueError, "n_threads"),
    ],
)
def test_constructor_rejects_bad_options(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ForestSurrogate(**kwargs)


def test_max_features_above_feature_count_is_rejected_at_fit():
    with pytest.raises(ValueError, match="at most the number of features"):
        ForestSurrogate(3, max_features=5, seed=0).fit(np.ones((4, 2)), np.arange(4.0))


# -- encoding --------------------------------------------------------------------


def test_encoding_of_a_mixed_space():
    space = Space([
        Real("lr", 1e-4, 1e-1, log=True),
        Categorical("act", ["relu", "gelu", "silu"]),
        Integer("layers", 2, 6),
        Real("drop", 0.0, 0.5),
        Categorical("norm", [True, False]),
    ])
    enc = GenomeEncoder(space, extra=["params", "flops"])
    assert enc.names == ("lr", "act=relu", "act=gelu", "act=silu", "layers", "drop", "norm=True", "norm=False",
                         "params", "flops")
    X = np.array([[1e-4, 2, 2, 0.5, 0], [1e-1, 0, 6, 0.0, 1], [10**-2.5, 1, 3, 0.25, 1]])
    X0 = X.copy()
    out = enc.transform(X, extra=[[1, 2], [3, 4], [5, 6]])
    expected = np.array([
        [0.0, 0, 0, 1, 0.0, 1.0, 1, 0, 1, 2],
        [1.0, 1, 0, 0, 1.0, 0.0, 0, 1, 3, 4],
        [0.5, 0, 1, 0, 0.25, 0.5, 0, 1, 5, 6],
    ])
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    assert np.array_equal(X, X0)
    assert out.shape == (3, enc.n_features) and out.dtype == np.float64
    sample = space.sample(200, seed=0)
    encoded = enc.transform(sample, extra=np.zeros((200, 2)))[:, :8]
    assert encoded.min() >= 0 and encoded.max() <= 1
    # one-hot blocks sum to one
    assert np.all(encoded[:, 1:4].sum(axis=1) == 1) and np.all(encoded[:, 6:8].sum(axis=1) == 1)


def test_encoding_rejects_bad_input():
    space = Space([Integer("a", 0, 3), Categorical("b", ["x", "y"])])
    with pytest.raises(TypeError, match="evonas.Space"):
        GenomeEncoder([Integer("a", 0, 3)])
    with pytest.raises(TypeError, match="extra"):
        GenomeEncoder(space, extra="params")
    with pytest.raises(ValueError, match="unique"):
        GenomeEncoder(space, extra=["a"])
    enc = GenomeEncoder(space, extra=["params"])
    with pytest.raises(ValueError, match="'extra' must be given"):
        enc.transform([[0, 1]])
    with pytest.raises(ValueError, match=r"shape \(1, 1\)"):
        enc.transform([[0, 1]], extra=[[1, 2]])
    with pytest.raises(ValueError, match="finite"):
        enc.transform([[0, 1]], extra=[[np.nan]])
    with pytest.raises(ValueError, match="gene 'b'"):
        enc.transform([[0, 2]], extra=[[1]])
    with pytest.raises(ValueError, match="without extra columns"):
        GenomeEncoder(space).transform([[0, 1]], extra=[[1]])


# -- screening -------------------------------------------------------------------


def screen_reference(cheap_F, mean, std, k, kappa):
    """Brute force: full sort, whole fronts, the last cut by (crowding, spread, index)."""
    mean, std = np.atleast_2d(mean.T).T, np.atleast_2d(std.T).T
    G = mean - kappa * std
    if cheap_F is not None:
        G = np.hstack([cheap_F, G])
    ranks = reference.non_dominated_sort(G)
    chosen: list[int] = []
    for r in range(int(ranks.max()) + 1 if len(ranks) else 0):
        front = np.flatnonzero(ranks == r)
        if len(chosen) + len(front) <= k:
            chosen.extend(front.tolist())
            continue
        crowd = reference.crowding_distance(G[front])
        spread = std[front].sum(axis=1)
        order = sorted(range(len(front)), key=lambda j: (-crowd[j], -spread[j], front[j]))
        chosen.extend(front[order[: k - len(chosen)]].tolist())
        break
    return sorted(chosen)


@given(
    n=st.integers(1, 40),
    m_cheap=st.integers(0, 2),
    m_exp=st.integers(1, 2),
    grid=st.booleans(),
    kappa=st.sampled_from([0.0, 0.5, 2.0]),
    data_seed=st.integers(0, 2**32 - 1),
    k_frac=st.floats(0, 1),
)
def test_screen_matches_brute_force(n, m_cheap, m_exp, grid, kappa, data_seed, k_frac):
    rng = np.random.default_rng(data_seed)
    draw = (lambda shape: rng.integers(0, 3, shape).astype(float)) if grid else rng.random
    cheap = draw((n, m_cheap)) if m_cheap else None
    mean, std = draw((n, m_exp)), draw((n, m_exp))
    if m_exp == 1 and rng.random() < 0.5:
        mean, std = mean[:, 0], std[:, 0]
    k = int(round(k_frac * n))
    got = screen(cheap, mean, std, k, kappa=kappa)
    assert got.dtype == np.int64 and len(got) == k == len(set(got.tolist()))
    assert sorted(got.tolist()) == screen_reference(cheap, mean, std, k, kappa)


def test_screen_picks_the_known_best_candidate():
    rng = np.random.default_rng(8)
    n = 200_000
    cheap = rng.random((n, 1)) + 1.0
    mean, std = rng.random(n) + 1.0, np.full(n, 0.01)
    cheap[1234], mean[1234] = 0.5, 0.5  # dominates the whole pool
    assert screen(cheap, mean, std, 1)[0] == 1234
    # a very uncertain candidate wins only when uncertainty is rewarded
    std[777] = 5.0
    assert 777 not in screen(cheap, mean, std, 1, kappa=0.0)
    assert 777 in screen(cheap, mean, std, 2, kappa=1.0)


def test_screen_rejects_bad_input():
    mean, std = np.zeros((5, 2)), np.ones((5, 2))
    with pytest.raises(ValueError, match=r"'k' must lie in \[0, 5\]"):
        screen(None, mean, std, 6)
    with pytest.raises(TypeError, match="'k'"):
        screen(None, mean, std, 1.0)
    with pytest.raises(ValueError, match="'std' must have the shape"):
        screen(None, mean, std[:, :1], 1)
    with pytest.raises(ValueError, match="'std' must be >= 0"):
        screen(None, mean, -std, 1)
    with pytest.raises(ValueError, match="'mean' must be finite"):
        screen(None, np.full((5, 2), np.nan), std, 1)
    with pytest.raises(ValueError, match="'kappa'"):
        screen(None, mean, std, 1, kappa=-1.0)
    with pytest.raises(ValueError, match="'cheap_F' must have one row per candidate"):
        screen(np.zeros((4, 1)), mean, std, 1)
    with pytest.raises(ValueError, match="'cheap_F' must not contain NaN"):
        screen(np.full((5, 1), np.nan), mean, std, 1)
    assert screen(None, mean, std, 0).shape == (0,)

