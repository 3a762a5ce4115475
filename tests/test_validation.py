"""Bad input raises the documented TypeError/ValueError naming the argument;
valid edge cases do not raise."""

from __future__ import annotations

import numpy as np
import pytest

import evonas

INF, NAN = float("inf"), float("nan")
REF2 = np.array([10.0, 10.0])

#: Every public kernel, called on F (two objectives where it matters) with
#: otherwise valid arguments.
KERNELS = {
    "non_dominated_sort": lambda F, **kw: evonas.non_dominated_sort(F, **kw),
    "nondominated": lambda F, **kw: evonas.nondominated(F, **kw),
    "crowding_distance": lambda F, **kw: evonas.crowding_distance(F, **kw),
    "hypervolume": lambda F, **kw: evonas.hypervolume(F, REF2, **kw),
    "hv_contributions": lambda F, **kw: evonas.hv_contributions(F, REF2, **kw),
    "hypervolume_mc": lambda F, **kw: evonas.hypervolume_mc(F, REF2, samples=100, seed=0, **kw),
}
HV_KERNELS = {k: KERNELS[k] for k in ("hypervolume", "hv_contributions", "hypervolume_mc")}
HV_FUNCTIONS = {
    "hypervolume": lambda F, ref, **kw: evonas.hypervolume(F, ref, **kw),
    "hv_contributions": lambda F, ref, **kw: evonas.hv_contributions(F, ref, **kw),
    "hypervolume_mc": lambda F, ref, **kw: evonas.hypervolume_mc(F, ref, samples=100, seed=0, **kw),
}

all_kernels = pytest.mark.parametrize("call", KERNELS.values(), ids=KERNELS.keys())
hv_kernels = pytest.mark.parametrize("call", HV_FUNCTIONS.values(), ids=HV_FUNCTIONS.keys())


# ----------------------------------------------------------------------------
# F
# ----------------------------------------------------------------------------

BAD_SHAPES = {
    "scalar": 3.0,
    "1-D": np.ones(3),
    "1-D list": [1.0, 2.0],
    "3-D": np.ones((2, 2, 2)),
    "no columns": np.ones((3, 0)),
    "no rows no columns": np.ones((0, 0)),
}


@all_kernels
@pytest.mark.parametrize("F", BAD_SHAPES.values(), ids=BAD_SHAPES.keys())
def test_bad_shape_of_F(call, F):
    with pytest.raises(ValueError, match="'F'"):
        call(F)


NAN_CASES = {
    "first row": [[NAN, 1.0], [1.0, 2.0]],
    "last row": [[0.0, 1.0], [1.0, NAN]],
    "all": np.full((3, 2), NAN),
    "float32": np.array([[1, 2], [NAN, 0]], dtype=np.float32),
    "float16": np.array([[1, 2], [0, NAN]], dtype=np.float16),
    "strided": np.array([[1, 2, 3], [4, NAN, 6], [7, 8, 9], [1, 1, 1]])[::2, 1:],  # no NaN in view
}


@all_kernels
@pytest.mark.parametrize("F", [v for k, v in NAN_CASES.items() if k != "strided"], ids=list(NAN_CASES)[:-1])
def test_nan_in_F(call, F):
    with pytest.raises(ValueError, match="'F'"):
        call(F)


@all_kernels
def test_nan_outside_a_strided_view_is_not_seen(call):
    call(NAN_CASES["strided"])


def test_nan_in_F_with_given_ranks():
    with pytest.raises(ValueError, match="'F'"):
        evonas.crowding_distance([[NAN, 1.0], [1.0, 2.0]], ranks=[0, 0])


BAD_DTYPES = {
    "str": np.array([["a", "b"], ["c", "d"]]),
    "numeric str": [["1", "2"], ["3", "4"]],
    "object": np.array([[1, 2], [3, 4]], dtype=object),
    "complex": np.ones((2, 2), dtype=complex),
    "bool": np.ones((2, 2), dtype=bool),
    "bool list": [[True, False], [False, True]],
    "datetime": np.array([["2020-01-01", "2020-01-02"]], dtype="datetime64[D]"),
    "None": None,
    "ragged": [[1.0, 2.0], [3.0]],
    "ragged deep": [[1.0, [2.0, 3.0]], [3.0, 4.0]],
}


@all_kernels
@pytest.mark.parametrize("F", BAD_DTYPES.values(), ids=BAD_DTYPES.keys())
def test_non_real_F(call, F):
    with pytest.raises(TypeError, match="'F'"):
        call(F)


@pytest.mark.parametrize("call", HV_KERNELS.values(), ids=HV_KERNELS.keys())
@pytest.mark.parametrize("row", [0, 2])
def test_negative_inf_in_F_for_hypervolume(call, row):
    F = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    F[row, 1] = -INF
    with pytest.raises(ValueError, match="'F'"):
        call(F)


@pytest.mark.parametrize("call", HV_FUNCTIONS.values(), ids=HV_FUNCTIONS.keys())
def test_positive_inf_in_F_when_maximising(call):
    with pytest.raises(ValueError, match="'F'"):
        call([[1.0, INF], [2.0, 1.0]], [0.0, 0.0], maximize=True)


# ----------------------------------------------------------------------------
# ref
# ----------------------------------------------------------------------------

F2 = np.array([[1.0, 2.0], [2.0, 1.0]])


@hv_kernels
@pytest.mark.parametrize(
    "ref",
    [[10.0], [10.0, 10.0, 10.0], [], [[10.0, 10.0]], np.ones((2, 1)), 10.0, [INF, 10.0], [10.0, -INF], [NAN, 10.0]],
    ids=["short", "long", "empty", "2-D row", "2-D column", "scalar", "+inf", "-inf", "nan"],
)
def test_bad_ref_value(call, ref):
    with pytest.raises(ValueError, match="'ref'"):
        call(F2, ref)


@hv_kernels
@pytest.mark.parametrize(
    "ref",
    [None, ["a", "b"], np.array([1, 2], dtype=complex), np.array([1, 2], dtype=object), [[1.0], [1.0, 2.0]]],
    ids=["None", "str", "complex", "object", "ragged"],
)
def test_bad_ref_type(call, ref):
    with pytest.raises(TypeError, match="'ref'"):
        call(F2, ref)


@hv_kernels
def test_ref_length_checked_for_empty_F(call):
    with pytest.raises(ValueError, match="'ref'"):
        call(np.zeros((0, 3)), [1.0, 1.0])


# ----------------------------------------------------------------------------
# ranks, n_stop_if_ranked
# ----------------------------------------------------------------------------

F3 = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])


@pytest.mark.parametrize(
    "ranks",
    [[0, 0], [0, 0, 1, 1], np.zeros(0, dtype=int), [[0, 0, 1]], [0, -1, 1], np.array([0, 0, 2**40]), 0],
    ids=["short", "long", "empty", "2-D", "negative", "too large", "scalar"],
)
def test_bad_ranks_value(ranks):
    with pytest.raises(ValueError, match="'ranks'"):
        evonas.crowding_distance(F3, ranks=ranks)


@pytest.mark.parametrize(
    "ranks",
    [[0.0, 0.0, 1.0], np.array([0, 0, 1], dtype=np.float32), [True, True, False], ["0", "0", "1"], [0, 0, None]],
    ids=["float list", "float32", "bool", "str", "None inside"],
)
def test_bad_ranks_type(ranks):
    with pytest.raises(TypeError, match="'ranks'"):
        evonas.crowding_distance(F3, ranks=ranks)


@pytest.mark.parametrize("n_stop", [-1, np.int64(-3)])
def test_negative_n_stop(n_stop):
    with pytest.raises(ValueError, match="'n_stop_if_ranked'"):
        evonas.non_dominated_sort(F3, n_stop_if_ranked=n_stop)


@pytest.mark.parametrize("n_stop", [2.0, "2", True, False, np.float64(1.0), [2]])
def test_non_int_n_stop(n_stop):
    with pytest.raises(TypeError, match="'n_stop_if_ranked'"):
        evonas.non_dominated_sort(F3, n_stop_if_ranked=n_stop)


# ----------------------------------------------------------------------------
# samples, seed
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("samples", [0, -5, np.int64(0)])
def test_non_positive_samples(samples):
    with pytest.raises(ValueError, match="'samples'"):
        evonas.hypervolume_mc(F2, REF2, samples=samples, seed=0)


@pytest.mark.parametrize("samples", [1.5, 1e6, True, "100", None])
def test_non_int_samples(samples):
    with pytest.raises(TypeError, match="'samples'"):
        evonas.hypervolume_mc(F2, REF2, samples=samples, seed=0)


@pytest.mark.parametrize("seed", [-1, 2**64, 2**70, np.int64(-1)])
def test_seed_out_of_range(seed):
    with pytest.raises(ValueError, match="'seed'"):
        evonas.hypervolume_mc(F2, REF2, samples=10, seed=seed)


@pytest.mark.parametrize("seed", [1.0, 0.5, True, "1", np.float32(2)])
def test_non_int_seed(seed):
    with pytest.raises(TypeError, match="'seed'"):
        evonas.hypervolume_mc(F2, REF2, samples=10, seed=seed)


# ----------------------------------------------------------------------------
# n_threads
# ----------------------------------------------------------------------------


@all_kernels
@pytest.mark.parametrize("n_threads", [0, -1, np.int64(0)])
def test_non_positive_n_threads(call, n_threads):
    with pytest.raises(ValueError, match="'n_threads'"):
        call(F2, n_threads=n_threads)


@all_kernels
@pytest.mark.parametrize("n_threads", [True, False, 2.0, "2", np.float64(4)])
def test_non_int_n_threads(call, n_threads):
    with pytest.raises(TypeError, match="'n_threads'"):
        call(F2, n_threads=n_threads)


@pytest.mark.parametrize(
    "call",
    [
        lambda: evonas.non_dominated_sort(F3, 2),
        lambda: evonas.nondominated(F3, 2),
        lambda: evonas.crowding_distance(F3, [0, 0, 1]),
        lambda: evonas.hypervolume(F2, REF2, True),
        lambda: evonas.hv_contributions(F2, REF2, True),
        lambda: evonas.hypervolume_mc(F2, REF2, 100),
        lambda: evonas.hypervolume(F=F2, ref=REF2),
    ],
    ids=["nds", "nondominated", "crowding", "hv", "hvc", "mc", "F by keyword"],
)
def test_options_are_keyword_only_and_F_positional_only(call):
    with pytest.raises(TypeError):
        call()


# ----------------------------------------------------------------------------
# Valid edge cases must not raise
# ----------------------------------------------------------------------------

VALID_F = {
    "empty": np.zeros((0, 2)),
    "single": [[1.0, 2.0]],
    "int list": [[1, 2], [2, 1]],
    "uint8": np.array([[1, 2], [2, 1]], dtype=np.uint8),
    "int8 negative": np.array([[-1, 2], [2, -1]], dtype=np.int8),
    "float16": np.array([[1, 2], [2, 1]], dtype=np.float16),
    "float32 Fortran": np.asfortranarray(np.array([[1, 2], [2, 1], [0, 5]], dtype=np.float32)),
    "strided": np.arange(24.0).reshape(4, 6)[::2, ::3],
    "+inf": [[INF, 1.0], [1.0, 2.0]],
    "identical": np.ones((5, 2)),
    "tiny and huge": [[1e-300, 1e300], [-1e300, 5.0]],
}


@all_kernels
@pytest.mark.parametrize("F", VALID_F.values(), ids=VALID_F.keys())
def test_valid_F_accepted(call, F):
    call(F)


@pytest.mark.parametrize("call", [KERNELS[k] for k in ("non_dominated_sort", "nondominated", "crowding_distance")])
def test_negative_inf_valid_for_sorting(call):
    call([[-INF, 1.0], [1.0, -INF], [INF, INF]])


@pytest.mark.parametrize("call", HV_FUNCTIONS.values(), ids=HV_FUNCTIONS.keys())
def test_negative_inf_valid_when_maximising(call):
    call([[-INF, 1.0], [2.0, 3.0]], [0.0, 0.0], maximize=True)


@pytest.mark.parametrize(
    "ref",
    [[10, 10], (10.0, 10.0), np.array([10, 10], dtype=np.float32), np.array([10, 10], dtype=np.uint8), [-5.0, -5.0]],
    ids=["int list", "tuple", "float32", "uint8", "below all points"],
)
@hv_kernels
def test_valid_ref_accepted(call, ref):
    call(F2, ref)


@pytest.mark.parametrize("n_stop", [0, 1, 3, 4, 10**12, np.int64(2), np.uint8(1), None])
def test_valid_n_stop_accepted(n_stop):
    ranks = evonas.non_dominated_sort(F3, n_stop_if_ranked=n_stop)
    assert ranks.shape == (3,)


@pytest.mark.parametrize(
    "ranks",
    [[0, 0, 1], [5, 5, 9], np.array([0, 0, 1], dtype=np.int8), np.array([0, 1, 1], dtype=np.uint64), (2, 0, 1)],
    ids=["list", "gaps", "int8", "uint64", "tuple"],
)
def test_valid_ranks_accepted(ranks):
    assert evonas.crowding_distance(F3, ranks=ranks).shape == (3,)


def test_empty_ranks_for_empty_F():
    assert evonas.crowding_distance(np.zeros((0, 4)), ranks=np.zeros(0, dtype=np.int64)).shape == (0,)


@all_kernels
@pytest.mark.parametrize("n_threads", [None, 1, 2, 64, np.int32(3), np.uint8(2)])
def test_valid_n_threads_accepted(call, n_threads):
    call(F3, n_threads=n_threads)


@pytest.mark.parametrize("seed", [None, 0, 1, 2**63, 2**64 - 1, np.uint64(2**64 - 1), np.int64(7)])
@pytest.mark.parametrize("samples", [1, 2, np.int64(50), 10**5])
def test_valid_seed_and_samples_accepted(seed, samples):
    value, err = evonas.hypervolume_mc(F2, REF2, samples=samples, seed=seed)
    assert isinstance(value, float) and isinstance(err, float)
