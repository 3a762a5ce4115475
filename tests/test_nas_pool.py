"""The vectorised pool path against the per-row one: decode -> repair -> cheap_costs,
and architecture identity, over random spaces, input shapes and genomes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("torch")  # the per-row reference costs (cheap_costs) need it; the pool path does not

from evonas.nas import pool as pool_module  # noqa: E402
from evonas.nas import screening  # noqa: E402
from evonas.nas.arch import (  # noqa: E402
    ACTIVATIONS, BLOCK_TYPES, INITS, NORMS, OPTIMIZERS, QUANTIZATIONS, READOUTS, Architecture,
)
from evonas.nas.costs import cheap_costs  # noqa: E402
from evonas.nas.objectives import engine_values, parse_constraints, parse_objectives  # noqa: E402
from evonas.nas.pool import STR_FIELDS, field_names, repair_pool  # noqa: E402
from evonas.nas.space import NASSpace  # noqa: E402
from evonas.store import Candidate  # noqa: E402
from evonas.surrogate import ForestSurrogate, GenomeEncoder, screen  # noqa: E402


def _subset(values, min_size=1):
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=len(values), unique=True)


def _range(low, high, real=False):
    number = st.floats(low, high) if real else st.integers(low, high)
    return st.one_of(number.map(lambda v: (v, v)), st.tuples(number, number).map(sorted).map(tuple))


OTHER_TYPES = tuple(t for t in BLOCK_TYPES if t != "identity")

SPACES = st.fixed_dictionaries({
    "max_blocks": st.integers(1, 5),
    "block_types": _subset(OTHER_TYPES).flatmap(lambda ts: st.permutations(["identity", *ts])),
    "widths": st.lists(st.sampled_from([1, 2, 3, 4, 8, 16, 64, 128, 300]), min_size=1, max_size=4, unique=True),
    "kernels": _subset([1, 3, 5, 7, 9]),
    "strides": _subset([1, 2, 3, 4, 5]),
    "activations": _subset(ACTIVATIONS),
    "norms": _subset(NORMS),
    "dropouts": _subset([0.0, 0.1, 0.25, 0.5]),
    "skips": _subset([False, True]),
    "readouts": _subset(READOUTS),
    "inits": _subset(INITS),
    "optimizers": _subset(OPTIMIZERS),
    "lr": _range(1e-4, 1e-1, real=True),
    "weight_decays": _subset([0.0, 1e-5, 1e-3]),
    "l1s": _subset([0.0, 1e-6]),
    "batch_sizes": _subset([1, 16, 128]),
    "epochs": _range(1, 40),
    "patience": _range(1, 5),
    "sparsities": _subset([0.0, 0.5, 0.75]),
    "quantizations": _subset(QUANTIZATIONS),
})
SIDES = st.sampled_from([1, 2, 3, 5, 8, 13, 40])
SHAPES = st.one_of(
    st.tuples(st.integers(1, 5000)),
    st.tuples(st.integers(1, 4), st.integers(1, 5000)),
    st.tuples(st.integers(1, 3), SIDES, SIDES),
)


def reference_fields(arch) -> list[float]:
    """An Architecture in the field encoding, written out field by field."""
    row = []
    for b in arch.blocks:
        row += [BLOCK_TYPES.index(b.type), b.width, b.kernel, b.stride, ACTIVATIONS.index(b.activation),
                NORMS.index(b.norm), b.dropout, float(b.skip)]
    return row + [READOUTS.index(arch.readout), INITS.index(arch.init), OPTIMIZERS.index(arch.optimizer),
                  arch.weight_decay, arch.l1, arch.batch_size, arch.sparsity,
                  QUANTIZATIONS.index(arch.quantization), arch.lr, arch.epochs, arch.patience]


def _genomes(space: NASSpace, n: int, seed: int, dup: int) -> np.ndarray:
    """n sampled rows, with `dup` repeats of earlier rows (shuffled in)."""
    X = space.space.sample(n, seed=seed)
    if n and dup:
        rng = np.random.default_rng(seed)
        X = np.vstack([X, X[rng.integers(0, n, dup)]])
        X = X[rng.permutation(X.shape[0])]
    return X


def check_against_rows(space: NASSpace, X: np.ndarray, shape, n_classes: int) -> None:
    pool = repair_pool(space, X, shape, n_classes)
    archs = [space.repair(a, shape) for a in space.decode(X)]
    n = len(archs)
    assert pool.names == field_names(space) and pool.fields.shape == (n, len(pool.names))
    expected = np.array([reference_fields(a) for a in archs], dtype=np.float64).reshape(n, len(pool.names))
    np.testing.assert_array_equal(pool.fields, expected)
    costs = [cheap_costs(a, shape, n_classes) for a in archs]
    for name, got in (("params", pool.params), ("macs", pool.macs), ("depth", pool.depth)):
        assert got.dtype == np.int64 and got.shape == (n,), name
    assert pool.params.tolist() == [c["params"] for c in costs]
    assert pool.macs.tolist() == [c["macs"] for c in costs]
    assert pool.depth.tolist() == [a.depth for a in archs]
    # Keys: equal exactly for the same network (canonical forms), numbered by first appearance.
    canon = [a.canonical() for a in archs]
    first: dict = {}
    for a in canon:
        first.setdefault(a, len(first))
    assert pool.keys.dtype == np.int64 and pool.keys.tolist() == [first[a] for a in canon]
    seen: set = set()
    fresh = []
    for a in canon:
        fresh.append(a not in seen)
        seen.add(a)
    assert pool.first_seen().tolist() == fresh


@given(SPACES, SHAPES, st.integers(1, 12), st.integers(0, 25), st.integers(0, 2**32 - 1), st.integers(0, 8))
def test_pool_equals_the_per_row_path(options, shape, n_classes, n, seed, dup):
    space = NASSpace(**options)
    check_against_rows(space, _genomes(space, n, seed, dup), shape, n_classes)


@given(SPACES, st.integers(0, 2**32 - 1))
def test_degenerate_inputs(options, seed):
    """1x1 maps, a single feature or position, width-1 blocks (layer norm over one value), one row."""
    space = NASSpace(**{**options, "widths": [1, *[w for w in options["widths"] if w != 1]][:3]})
    for shape in [(1,), (1, 1), (1, 1, 1), (2, 1, 1), (1, 2, 1), (1, 1, 3)]:
        check_against_rows(space, _genomes(space, 6, seed, 3), shape, 1)
        check_against_rows(space, space.space.sample(1, seed=seed), shape, 2)


@pytest.mark.parametrize("shape", [(64,), (3, 50), (1, 8, 8), (3, 64, 64)])
def test_default_space_and_repeats(shape):
    """The default space (flatten readouts over 4096 values on large maps), with
    many genomes repairing to the same architecture (a 1-block space on 1x1 maps)."""
    space = NASSpace()
    check_against_rows(space, _genomes(space, 200, 1, 50), shape, 10)
    tiny = NASSpace(max_blocks=1, widths=[4], kernels=[3], strides=[1, 2], activations=["relu"], norms=["layer"],
                    dropouts=[0.0], skips=[False], readouts=["flatten"], inits=["xavier"], optimizers=["adam"],
                    lr=(1e-3, 1e-3), weight_decays=[0.0], l1s=[0.0], batch_sizes=[32], epochs=(3, 3),
                    patience=(2, 2), sparsities=[0.0], quantizations=["none"])
    X = tiny.space.sample(40, seed=0)
    check_against_rows(tiny, X, (1, 1, 1), 3)
    # conv, sepconv, residual (stride 1 fits), dense and identity (pool included; a dense or empty
    # slot ignores its stride): five networks
    assert set(repair_pool(tiny, X, (1, 1, 1), 3).keys.tolist()) == set(range(5))


def test_empty_pool():
    space = NASSpace()
    pool = repair_pool(space, np.empty((0, len(space.space))), (1, 8, 8), 10)
    assert pool.fields.shape == (0, len(field_names(space)))
    for arr in (pool.params, pool.macs, pool.depth, pool.keys):
        assert arr.shape == (0,) and arr.dtype == np.int64
    assert pool.first_seen().shape == (0,)


def test_input_is_not_modified():
    space = NASSpace()
    X = space.space.sample(20, seed=0)
    before = X.copy()
    repair_pool(space, X, (1, 8, 8), 10)
    np.testing.assert_array_equal(X, before)


def test_field_encoding_of_str_fields():
    names = field_names(NASSpace(max_blocks=2))
    assert names[:8] == tuple(f"b0_{f}" for f in ("type", "width", "kernel", "stride", "activation", "norm",
                                                   "dropout", "skip"))
    assert names[-11:] == ("readout", "init", "optimizer", "weight_decay", "l1", "batch_size", "sparsity",
                           "quantization", "lr", "epochs", "patience")
    assert STR_FIELDS["type"] == BLOCK_TYPES and STR_FIELDS["norm"] == NORMS


def test_bad_input_is_rejected():
    space = NASSpace(max_blocks=2)
    X = space.space.sample(3, seed=0)
    with pytest.raises(TypeError, match="'space'"):
        repair_pool(space.to_dict(), X, (1, 8, 8), 10)
    with pytest.raises(ValueError, match="'X'"):
        repair_pool(space, X[:, :-1], (1, 8, 8), 10)
    bad = X.copy()
    bad[0, 0] = 99
    with pytest.raises(ValueError, match="b0_type"):
        repair_pool(space, bad, (1, 8, 8), 10)
    with pytest.raises(ValueError, match="input_shape"):
        repair_pool(space, X, (1, 8, 8, 8), 10)
    with pytest.raises(ValueError, match="input_shape"):
        repair_pool(space, X, (1, 0), 10)
    for n_classes in (0, True, 2.0):
        with pytest.raises(ValueError, match="n_classes"):
            repair_pool(space, X, (1, 8, 8), n_classes)
    with pytest.raises(ValueError, match="widths"):
        repair_pool(NASSpace(widths=[4, 2**52]), X, (1, 8, 8), 10)
    with pytest.raises(ValueError, match="input_shape"):
        repair_pool(space, X, (2**26, 2**26), 10)


def test_costs_beyond_float64_are_refused():
    space = NASSpace(max_blocks=1, block_types=["identity", "dense"], widths=[2**30])
    X = space.space.sample(1, seed=0)
    X[0, space.space.names.index("b0_type")] = 1  # dense
    with pytest.raises(ValueError, match="2\\*\\*53"):
        repair_pool(space, X, (2**24,), 10)


def test_the_pool_path_does_not_import_torch():
    code = "import sys, evonas.nas.pool; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- screening.choose on the pool path ------------------------------------------

SMALL = {"max_blocks": 2, "block_types": ("identity", "conv", "dense", "pool"), "widths": (4, 8), "kernels": (1, 3)}


def _trained(space: NASSpace, X: np.ndarray, shape, seed: int) -> list[Candidate]:
    archs = [space.repair(a, shape) for a in space.decode(X)]
    rng = np.random.default_rng(seed)
    acc, latency = rng.random((2, len(archs)))
    # Multi-fidelity: some trained only part of their epoch budget.
    return [Candidate(i, 1, 0, tuple(map(float, x)), a.to_json(), (), "done",
                      {"accuracy": float(y), "latency": float(z)}, (), None, None, int(rng.integers(1, a.epochs + 1)),
                      None, 0.0, 0.0)
            for i, (x, a, y, z) in enumerate(zip(X, archs, acc, latency))]


def reference_choose(space, X, history, objectives, constraints, shape, n_classes, k, *, kappa, seed):
    """The per-row screening (as it was before the pool path): Architecture objects,
    cheap_costs and a set of the trained networks (canonical forms)."""
    archs = [space.repair(a, shape) for a in space.decode(X)]

    def costs_of(archs):
        rows = [(c["params"], c["macs"], a.depth) for a, c in ((a, cheap_costs(a, shape, n_classes)) for a in archs)]
        return np.array(rows, dtype=np.float64).reshape(len(archs), 3)

    costs = costs_of(archs)
    excess = np.zeros(len(archs))
    for c in constraints:
        if c.objective.name in screening.EXACT:
            excess += np.maximum([c.violation(v) for v in costs[:, ("params", "macs").index(c.objective.name)]], 0)
    history = [c for c in history if c.objectives and c.arch]
    known = [Architecture.from_json(c.arch) for c in history]
    seen, fresh = {a.canonical() for a in known}, []
    for a in archs:
        fresh.append(a.canonical() not in seen)
        seen.add(a.canonical())
    fresh = np.array(fresh, dtype=bool)
    feasible = np.flatnonzero((excess <= 0) & fresh)
    repeats = np.flatnonzero((excess <= 0) & ~fresh)
    over = np.flatnonzero(excess > 0)
    over = over[np.argsort(excess[over], kind="stable")]
    take = min(k, feasible.shape[0])
    if len(history) >= screening.MIN_HISTORY and take:
        # The whole pool encoded and predicted at once.
        encoder = GenomeEncoder(space.space, extra=("log10_params", "log10_macs", "depth", "trained_fraction"))

        def features(X, costs, fraction):
            logs = np.log10(np.maximum(costs[:, :2], 1))
            return encoder.transform(X, extra=np.column_stack([logs, costs[:, 2], fraction]))

        pool = features(X[feasible], costs[feasible], np.ones(feasible.shape[0]))
        fraction = np.array([c.fidelity / a.epochs for c, a in zip(history, known)])
        known_features = features(np.array([c.genome for c in history]), costs_of(known), fraction)
        means, stds = [], []
        for j, obj in enumerate(o for o in objectives if o.name not in screening.EXACT):
            y = np.array([engine_values((obj,), c.objectives)[0] for c in history])
            forest = ForestSurrogate(n_trees=64, seed=seed + j).fit(known_features, y)
            mean, std = forest.predict(pool)
            means.append(mean)
            stds.append(std)
        if not means:
            means = stds = [np.zeros(feasible.shape[0])]
        exact = [costs[feasible, ("params", "macs").index(o.name)] for o in objectives if o.name in screening.EXACT]
        cheap = np.column_stack(exact) if exact else None
        feasible = feasible[screen(cheap, np.column_stack(means), np.column_stack(stds), take, kappa=kappa)]
    return np.concatenate([feasible, repeats, over])[: min(k, len(archs))].astype(np.int64)


@given(st.integers(0, 2**32 - 1), st.sampled_from([(1, 8, 8), (16,), (2, 1, 1)]), st.sampled_from([0, 3, 12]),
       st.sampled_from([1, 10, 400]), st.booleans(), st.sampled_from(["accuracy,params", "latency,accuracy,macs"]))
def test_choose_equals_the_per_row_screening(seed, shape, n_history, k, limited, objectives):
    space = NASSpace(**SMALL)
    rng = np.random.default_rng(seed)
    X = space.space.sample(120, seed=seed)
    X = np.vstack([X, X[rng.integers(0, 120, 30)]])  # repeats within the pool
    H = np.vstack([space.space.sample(n_history, seed=seed + 1), X[: n_history // 2]])  # and of trained ones
    history = _trained(space, H, shape, seed)
    params = repair_pool(space, X, shape, 10).params
    objectives = parse_objectives(objectives)
    constraints = parse_constraints((f"params<={np.median(params)}",)) if limited else ()
    args = (space, X, history, objectives, constraints, shape, 10, k)
    expected = reference_choose(*args, kappa=1.0, seed=seed % 1000)
    np.testing.assert_array_equal(screening.choose(*args, kappa=1.0, seed=seed % 1000), expected)


def test_choose_predicts_in_chunks_as_at_once(monkeypatch):
    space = NASSpace(**SMALL)
    X = space.space.sample(500, seed=0)
    history = _trained(space, space.space.sample(30, seed=1), (1, 8, 8), 0)
    args = (space, X, history, parse_objectives(("accuracy", "latency", "macs")), (), (1, 8, 8), 10, 25)
    monkeypatch.setattr(screening, "_CHUNK", 7)
    expected = reference_choose(*args, kappa=1.0, seed=0)
    np.testing.assert_array_equal(screening.choose(*args, kappa=1.0, seed=0), expected)


def test_choose_rejects_a_pool_of_the_wrong_shape():
    space = NASSpace(**SMALL)
    with pytest.raises(ValueError, match="'X' must have shape"):
        screening.choose(space, np.zeros((3, 2)), [], parse_objectives(("accuracy",)), (), (1, 8, 8), 10, 2,
                         kappa=1.0, seed=0)


def test_keys_stay_exact_when_hashes_collide(monkeypatch):
    """Every row hashed alike: the keys fall back to sorting the rows themselves."""
    monkeypatch.setattr(pool_module, "_hash", lambda W: np.zeros(W.shape[0], dtype=np.uint64))
    space = NASSpace(**SMALL)
    check_against_rows(space, _genomes(space, 60, 0, 30), (1, 3, 3), 4)


@given(SPACES, SHAPES, st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_blocks_of_rows_join_up(options, shape, block, seed):
    """Rows are repaired block by block; keys and costs must not depend on the blocks."""
    space = NASSpace(**options)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pool_module, "_BLOCK", block)
        check_against_rows(space, _genomes(space, 30, seed, 15), shape, 3)
