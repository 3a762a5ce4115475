"""Cost counters: hand-computed parameters/MACs, closed form vs hooks, latency."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from evonas.nas.costs import cheap_costs, count_macs, count_params, measure_latency  # noqa: E402
from evonas.nas.model import build_model  # noqa: E402
from evonas.nas.space import NASSpace  # noqa: E402
from test_nas_model import SHAPES  # noqa: E402
from test_nas_space import arch, block  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_one_thread")

# (architecture, input shape, classes, params, MACs), each worked out by hand.
HAND = {
    "dense": (
        arch(block("dense", width=5)), (10,), 3,
        10 * 5 + 5 + 5 * 3 + 3,  # linear with bias, head
        10 * 5 + 5 * 3,
    ),
    "conv": (
        arch(block("conv", width=4, kernel=3)), (2, 6, 6), 3,
        2 * 4 * 9 + 4 + 4 * 3 + 3,
        4 * 36 * 2 * 9 + 4 * 36 + 4 * 3,  # conv (out elements * in * taps), average pooling, head
    ),
    "sepconv": (
        arch(block("sepconv", width=6, kernel=3, stride=2, norm="batch")), (3, 5, 5), 2,
        3 * 9 + 3 * 6 + 2 * 6 + 6 * 2 + 2,  # depthwise, pointwise (no bias before a norm), batch norm, head
        3 * 9 * 9 + 6 * 9 * 3 + 6 * 9 + 6 * 9 + 6 * 2,  # 5x5 -> 3x3
    ),
    "residual-1d": (
        arch(block("residual", width=4, kernel=3, stride=2, norm="layer")), (2, 7), 2,
        2 * 4 * 3 + 8 + 4 * 4 * 3 + 8 + 2 * 4 + 4 * 2 + 2,  # conv1, GN, conv2, GN, 1x1 projection, head
        16 * 2 * 3 + 16 + 16 * 4 * 3 + 16 + 16 * 2 + 16 + 4 * 2,  # length 7 -> 4: 16 output elements
    ),
    "pool": (
        arch(block("pool", stride=1), block("identity")), (1, 5, 5), 2,
        1 * 2 + 2,
        0 + 1 * 4 + 1 * 2,  # max pool 5x5 -> 2x2 is free, then average pooling and head
    ),
    "dense-skip": (
        arch(block("dense", width=3, norm="layer", skip=True)), (4,), 2,
        4 * 3 + 2 * 3 + 4 * 3 + 3 * 2 + 2,  # linear, LayerNorm, projection, head
        4 * 3 + 3 + 4 * 3 + 3 * 2,
    ),
    "conv-skip-identity": (
        arch(block("conv", width=2, kernel=1, skip=True)), (2, 3), 2,
        2 * 2 + 2 + 2 * 2 + 2,  # the shortcut is the identity: no weights
        3 * 2 * 2 + 2 * 3 + 2 * 2,
    ),
    "flatten-mlp": (
        arch(block("dense", width=24), readout="flatten"), (1, 8, 8), 10,
        64 * 24 + 24 + 24 * 10 + 10,  # the linear layer sees all 64 pixels
        64 * 24 + 24 * 10,  # flatten is free
    ),
    "conv-flatten": (
        arch(block("conv", width=2, kernel=3, stride=2), readout="flatten"), (1, 8, 8), 10,
        1 * 2 * 9 + 2 + 32 * 10 + 10,  # 8x8 -> 2 x 4x4 = 32 features into the head
        32 * 1 * 9 + 32 * 10,
    ),
    "conv-flatten-dense-1d": (
        arch(block("conv", width=3, kernel=3), block("dense", width=4, norm="batch", skip=True), readout="flatten"),
        (2, 5), 2,
        2 * 3 * 3 + 3 + 15 * 4 + 2 * 4 + 15 * 4 + 4 * 2 + 2,  # conv, linear (15 inputs), BN, projection, head
        15 * 2 * 3 + 15 * 4 + 4 + 15 * 4 + 4 * 2,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(HAND))
def test_hand_computed(case):
    a, shape, n_classes, params, macs = HAND[case]
    model = build_model(a, shape, n_classes)
    assert count_params(model) == params
    assert count_macs(model, shape) == macs
    assert cheap_costs(a, shape, n_classes) == {"params": params, "macs": macs}
    meta = build_model(a, shape, n_classes, device="meta")
    assert (count_params(meta), count_macs(meta, shape)) == (params, macs)


@given(st.integers(0, 2**32 - 1), st.sampled_from(["gap", "flatten"]))
def test_closed_form_matches_the_hooks(seed, readout):
    nas = NASSpace(max_blocks=5, strides=[1, 2, 3], readouts=[readout])
    a = nas.decode(nas.space.sample(1, seed=seed))[0]
    for shape in SHAPES:
        r = nas.repair(a, shape)
        model = build_model(r, shape, 7)
        assert cheap_costs(r, shape, 7) == {"params": count_params(model), "macs": count_macs(model, shape)}


def test_flatten_and_gap_differ_by_the_dense_inputs():
    # The same conv -> dense network: flatten has 16x the dense weights of gap (a 4x4 map), no pooling MACs.
    a = arch(block("conv", width=8, stride=2), block("dense", width=5))
    gap = cheap_costs(a, (1, 8, 8), 3)
    flat = cheap_costs(replace(a, readout="flatten"), (1, 8, 8), 3)
    assert flat["params"] - gap["params"] == 15 * 8 * 5
    assert flat["macs"] - gap["macs"] == 15 * 8 * 5 - 8 * 16


def test_count_macs_leaves_the_model_as_it_was():
    model = build_model(arch(block("conv", norm="batch")), (1, 4, 4), 2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    count_macs(model, (1, 4, 4))
    assert model.training
    assert all(not m._forward_hooks for m in model.modules())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # BN statistics untouched


def test_invalid_arguments():
    a, shape, n_classes, *_ = HAND["conv"]
    model = build_model(a, shape, n_classes)
    with pytest.raises(TypeError, match="'model'"):
        count_params(a)
    with pytest.raises(TypeError, match="'model'"):
        count_macs(a, shape)
    with pytest.raises(ValueError, match="input_shape"):
        count_macs(model, ())
    with pytest.raises(ValueError, match="cannot follow flat features"):
        cheap_costs(a, (12,), 2)
    with pytest.raises(ValueError, match="'n_classes'"):
        cheap_costs(a, shape, 0)
    with pytest.raises(TypeError, match="'arch'"):
        cheap_costs(model, shape, 2)
    with pytest.raises(ValueError, match="'batch_sizes'"):
        measure_latency(model, shape, batch_sizes=())
    with pytest.raises(ValueError, match="'batch_sizes'"):
        measure_latency(model, shape, batch_sizes=(0,))
    with pytest.raises(ValueError, match="'repeats'"):
        measure_latency(model, shape, repeats=0)
    with pytest.raises(ValueError, match="'meta'"):
        measure_latency(model, shape, device="meta")


def test_measure_latency():
    a, shape, n_classes, *_ = HAND["sepconv"]
    model = build_model(a, shape, n_classes)
    result = measure_latency(model, shape, batch_sizes=(1, 4), repeats=3, warmup=1)
    assert list(result) == [1, 4]
    assert all(isinstance(v, float) and v > 0 for v in result.values())
    assert model.training
