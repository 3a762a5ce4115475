"""NASSpace: genome layout, decode/encode, repair, configuration; Architecture (de)serialisation."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evonas import Categorical, Integer, Real
from evonas.nas.arch import Architecture, Block
from evonas.nas.space import MAX_FLATTEN_FEATURES, NASSpace

SHAPES = [(13,), (3, 20), (1, 8, 8), (2, 1, 1), (1, 3, 2), (3, 32, 32)]


def block(type_: str = "conv", **kw) -> Block:
    fields = dict(type=type_, width=8, kernel=3, stride=1, activation="relu", norm="none", dropout=0.0, skip=False)
    return Block(**{**fields, **kw})


def arch(*blocks: Block, **kw) -> Architecture:
    fields = dict(
        init="kaiming", optimizer="adam", lr=1e-3, weight_decay=0.0, l1=0.0, batch_size=32,
        epochs=10, patience=3, sparsity=0.0, quantization="none",
    )
    return Architecture(blocks=blocks, **{**fields, **kw})


def types(a: Architecture) -> list[str]:
    return [b.type for b in a.blocks]


# -- genome layout and round trips --------------------------------------------


def test_default_space_layout():
    nas = NASSpace()
    per_block = ["type", "width", "kernel", "stride", "activation", "norm", "dropout", "skip"]
    names = [f"b{i}_{f}" for i in range(nas.max_blocks) for f in per_block]
    names += ["readout", "init", "optimizer", "weight_decay", "l1", "batch_size", "sparsity", "quantization"]
    names += ["lr", "epochs", "patience"]
    assert list(nas.space.names) == names
    assert isinstance(nas.space["lr"], Real) and nas.space["lr"].log
    assert isinstance(nas.space["epochs"], Integer)
    assert isinstance(nas.space["b0_width"], Categorical)
    assert 0.0 in nas.space["l1"].choices and 0.0 in nas.space["weight_decay"].choices
    assert "identity" in nas.space["b0_type"].choices
    assert nas.space["readout"].choices == ("gap", "flatten")


@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_decode_encode_round_trip(seed, max_blocks):
    nas = NASSpace(max_blocks=max_blocks)
    X = nas.space.sample(6, seed=seed)
    archs = nas.decode(X)
    assert all(len(a.blocks) == max_blocks for a in archs)
    np.testing.assert_array_equal(nas.encode(archs), X)


@given(st.integers(0, 2**32 - 1), st.sampled_from(SHAPES))
def test_repair_is_idempotent_deterministic_and_stays_in_space(seed, shape):
    nas = NASSpace()
    for a in nas.decode(nas.space.sample(5, seed=seed)):
        r = nas.repair(a, shape)
        assert nas.repair(a, shape) == r
        assert nas.repair(r, shape) is r  # nothing left to repair
        assert nas.decode(nas.encode([r])) == [r]
        assert r.depth <= a.depth


def test_decode_rejects_bad_genomes():
    nas = NASSpace(max_blocks=1)
    X = nas.space.sample(1, seed=0)
    X[0, 0] = 99  # type index out of range
    with pytest.raises(ValueError, match="b0_type"):
        nas.decode(X)
    with pytest.raises(ValueError, match="shape"):
        nas.decode(np.zeros((1, 3)))


# -- repair ---------------------------------------------------------------------


def test_repair_convolutions_on_features_become_dense_and_pool_identity():
    nas = NASSpace(max_blocks=4)
    a = arch(block("conv"), block("pool"), block("residual", width=4), block("sepconv", skip=True))
    r = nas.repair(a, (10,))
    assert types(r) == ["dense", "identity", "dense", "dense"]
    assert r.blocks[0] == replace(a.blocks[0], type="dense")
    assert r.blocks[2].skip is True  # the residual shortcut survives as a skip
    assert r.blocks[3].skip is True


def test_repair_conv_after_dense():
    nas = NASSpace()
    r = nas.repair(arch(block("conv"), block("dense"), block("conv"), block("pool")), (1, 8, 8))
    assert types(r) == ["conv", "dense", "dense", "identity"]


def test_repair_without_dense_choice_drops_the_block():
    nas = NASSpace(block_types=["conv", "pool", "identity"])
    r = nas.repair(arch(block("conv"), block("pool")), (5,))
    assert types(r) == ["identity", "identity"]


def test_repair_pool_that_would_reach_size_zero():
    nas = NASSpace(strides=[1, 2, 3])
    # 8x8 -> 4x4 -> 2x2 -> 1x1, then a fourth pool cannot fit.
    pools = [block("pool", stride=2)] * 4
    assert types(nas.repair(arch(*pools), (1, 8, 8))) == ["pool"] * 3 + ["identity"]
    # A pool by 3 on a 2x2 map shrinks to the largest factor that fits (2).
    r = nas.repair(arch(block("pool", stride=2), block("pool", stride=3)), (1, 4, 5))
    assert [b.stride for b in r.blocks] == [2, 2] and types(r) == ["pool", "pool"]
    # 1-D: length 3 -> 1, then nothing fits.
    assert types(nas.repair(arch(block("pool"), block("pool")), (2, 3))) == ["pool", "identity"]
    # The smallest side decides on a non-square map.
    assert types(nas.repair(arch(block("pool")), (1, 9, 1))) == ["identity"]


def test_repair_kernel_and_stride_larger_than_the_map():
    nas = NASSpace(kernels=[1, 3, 5, 7])
    a = arch(
        block("conv", kernel=7, stride=2), block("conv", kernel=5, stride=2), block("residual", kernel=5, stride=2)
    )
    r = nas.repair(a, (1, 3, 3))
    # 3x3: kernel 7 > 2*3-1 -> 5, stride 2 fits -> 2x2; kernel 5 > 3 -> 3, stride 2 -> 1x1;
    # on 1x1 only kernel 1 and stride 1 make sense.
    assert [(b.kernel, b.stride) for b in r.blocks] == [(5, 2), (3, 2), (1, 1)]
    # No kernel choice small enough: the smallest choice is kept.
    r = NASSpace(kernels=[3, 5]).repair(arch(block("conv", kernel=5)), (1, 1, 1))
    assert r.blocks[0].kernel == 3


def test_repair_layer_norm_over_a_single_value():
    nas = NASSpace(widths=[1, 8])
    a = arch(block("conv", width=1, norm="layer", stride=2), block("dense", width=1, norm="layer"))
    r = nas.repair(a, (1, 2, 2))
    assert [b.norm for b in r.blocks] == ["none", "none"]
    # One channel over several positions, or batch norm: kept.
    assert nas.repair(a, (1, 4, 4)).blocks[0].norm == "layer"
    b = arch(block("dense", width=1, norm="batch"))
    assert nas.repair(b, (3,)) is b


def flattened(a: Architecture, shape: tuple[int, ...]) -> int:
    """Reference: values entering the readout, tracked block by block (0 for a flat input)."""
    if len(shape) == 1:
        return 0
    channels, spatial = shape[0], list(shape[1:])
    for b in a.blocks:
        if b.type == "dense":
            break
        if b.type == "pool":
            spatial = [d // max(2, b.stride) for d in spatial]
        elif b.type != "identity":
            channels, spatial = b.width, [(d + b.stride - 1) // b.stride for d in spatial]
    return channels * int(np.prod(spatial))


def test_repair_flatten_readout_over_the_limit_becomes_gap():
    nas = NASSpace()
    assert MAX_FLATTEN_FEATURES == 4096
    # Into the head: a 64x64 image is exactly at the limit; one more column is over it.
    a = arch(block("identity"), readout="flatten")
    assert nas.repair(a, (1, 64, 64)) is a
    assert nas.repair(a, (1, 64, 65)) == replace(a, readout="gap")
    # Into the first dense block: 64 channels of 8x8 fit, 128 do not; blocks after it do not count.
    for width, readout in [(64, "flatten"), (128, "gap")]:
        b = arch(block("conv", width=width), block("dense", width=128), block("dense"), readout="flatten")
        assert nas.repair(b, (1, 8, 8)) == replace(b, readout=readout)
    # Pooling and strides shrink the map before the readout: 128 x 4x4 = 2048 fits.
    c = arch(block("conv", width=128), block("pool"), block("dense"), readout="flatten")
    assert nas.repair(c, (1, 8, 8)) is c
    # A conv that repair turns into dense (after a dense block) is not a second readout.
    d = arch(block("dense", width=8), block("conv", width=128), readout="flatten")
    assert nas.repair(d, (1, 8, 8)).readout == "flatten"
    # Flat inputs have no readout to repair; gap is never changed.
    e = arch(block("dense"), readout="flatten")
    assert nas.repair(e, (100_000,)) is e
    f = arch(block("conv", width=128), readout="gap")
    assert nas.repair(f, (1, 64, 64)) is f
    # Repair stays in the space: without "gap" among the choices flatten stays.
    only = NASSpace(readouts=["flatten"])
    assert only.repair(a, (1, 64, 65)) is a


@given(st.integers(0, 2**32 - 1), st.sampled_from(SHAPES[1:]))
def test_repaired_flatten_never_exceeds_the_limit(seed, shape):
    nas = NASSpace(max_blocks=3)
    for a in nas.decode(nas.space.sample(8, seed=seed)):
        r = nas.repair(a, shape)
        n = flattened(r, shape)
        assert r.readout == ("gap" if a.readout == "gap" or n > MAX_FLATTEN_FEATURES else "flatten")


def test_repair_keeps_valid_architectures_and_checks_arguments():
    nas = NASSpace()
    a = arch(block("conv"), block("pool"), block("sepconv", stride=2), block("dense"))
    assert nas.repair(a, (3, 8, 8)) is a
    with pytest.raises(TypeError, match="'arch'"):
        nas.repair(a.to_dict(), (3, 8, 8))
    with pytest.raises(ValueError, match="input_shape"):
        nas.repair(a, (1, 2, 3, 4))
    with pytest.raises(ValueError, match="input_shape"):
        nas.repair(a, (1, 0, 3))


# -- restriction and configuration ---------------------------------------------------


def test_single_choices_and_ranges_are_fixed():
    nas = NASSpace(
        max_blocks=2, widths=[16], quantizations=["none"], epochs=[7, 7], lr=[0.01, 0.01], readouts=["flatten"]
    )
    assert not any(n.endswith("_width") for n in nas.space.names)
    assert {"quantization", "epochs", "lr", "readout"}.isdisjoint(nas.space.names)
    archs = nas.decode(nas.space.sample(4, seed=1))
    assert {b.width for a in archs for b in a.blocks} == {16}
    assert {(a.epochs, a.lr, a.quantization, a.readout) for a in archs} == {(7, 0.01, "none", "flatten")}
    np.testing.assert_array_equal(nas.encode(archs), nas.space.sample(4, seed=1))
    with pytest.raises(ValueError, match="'b0_width' is fixed to 16"):
        nas.encode([replace(archs[0], blocks=(replace(archs[0].blocks[0], width=8),) + archs[0].blocks[1:])])
    with pytest.raises(ValueError, match="'readout' is fixed to 'flatten'"):
        nas.encode([replace(archs[0], readout="gap")])


def test_extended_space():
    nas = NASSpace(widths=[8, 256], kernels=[3, 7], activations=["gelu", "mish"], l1s=[0.0, 1e-3])
    archs = nas.decode(nas.space.sample(20, seed=2))
    assert {b.width for a in archs for b in a.blocks} == {8, 256}
    assert {b.activation for a in archs for b in a.blocks} == {"gelu", "mish"}


def test_encode_pads_and_rejects():
    nas = NASSpace(max_blocks=3)
    a = arch(block("conv"), init="xavier")
    (row,) = nas.decode(nas.encode([a]))
    assert types(row) == ["conv", "identity", "identity"] and row.init == "xavier"
    long = arch(block("conv"), block("identity"), block("dense"), block("identity"))
    assert types(nas.decode(nas.encode([long]))[0]) == ["conv", "identity", "dense"]
    with pytest.raises(ValueError, match="beyond max_blocks=3"):
        nas.encode([arch(*[block("conv")] * 4)])
    with pytest.raises(ValueError, match="b0_width"):
        nas.encode([arch(block("conv", width=7))])
    with pytest.raises(ValueError, match="lr"):
        nas.encode([arch(lr=0.5)])
    with pytest.raises(TypeError, match="'archs'"):
        nas.encode(a)


def test_dict_and_toml_round_trip(tmp_path):
    nas = NASSpace(max_blocks=3, widths=[4, 8], dropouts=[0.0], lr=[1e-3, 1e-2], skips=[True], readouts=["flatten"])
    d = nas.to_dict()
    assert d["readouts"] == ["flatten"]
    assert NASSpace.from_dict(json.loads(json.dumps(d))) == nas
    assert NASSpace.from_dict({}) == NASSpace()
    assert NASSpace.from_dict({}) != NASSpace(readouts=["gap"])
    path = tmp_path / "space.toml"
    path.write_text(
        'name = "run"\n[space]\nmax_blocks = 3\nwidths = [4, 8]\ndropouts = [0.0]\nlr = [1e-3, 1e-2]\nskips = [true]\n'
        'readouts = ["flatten"]\n'
    )
    assert NASSpace.from_toml(path, table="space") == nas
    top = tmp_path / "top.toml"
    top.write_text('block_types = ["dense", "identity"]\nepochs = [3, 4]\n')
    loaded = NASSpace.from_toml(top)
    assert loaded.to_dict()["block_types"] == ["dense", "identity"] and loaded.to_dict()["epochs"] == [3, 4]


@pytest.mark.parametrize(
    ("config", "error", "match"),
    [
        ({"widthz": [8]}, ValueError, "unknown option.*widthz"),
        ({"widths": []}, ValueError, "'widths' must hold at least one choice"),
        ({"widths": [8, 8]}, ValueError, "distinct"),
        ({"widths": [0, 8]}, ValueError, "'widths' must be >= 1"),
        ({"widths": "8"}, TypeError, "'widths' must be a list"),
        ({"widths": [8.5]}, TypeError, "'widths' must be an int"),
        ({"kernels": [2, 3]}, ValueError, "odd"),
        ({"activations": ["relu", "swish"]}, ValueError, "'swish' is not one of"),
        ({"block_types": ["conv", "dense"]}, ValueError, "must contain 'identity'"),
        ({"block_types": ["identity"]}, ValueError, "at least one other type"),
        ({"lr": [0.1, 0.01]}, ValueError, "low <= high"),
        ({"lr": [0.0, 0.01]}, ValueError, r"'lr' must lie in \(0"),
        ({"lr": [0.01]}, TypeError, r"\[low, high\] pair"),
        ({"epochs": [0, 5]}, ValueError, "'epochs' must be >= 1"),
        ({"dropouts": [0.0, 1.0]}, ValueError, "'dropouts' must lie in"),
        ({"sparsities": [-0.1]}, ValueError, "'sparsities' must lie in"),
        ({"l1s": [float("nan")]}, ValueError, "'l1s' must lie in"),
        ({"skips": [0, 1]}, TypeError, "bools"),
        ({"readouts": ["gap", "max"]}, ValueError, "'readouts': 'max' is not one of"),
        ({"readouts": "flatten"}, TypeError, "'readouts' must be a list"),
        ({"max_blocks": 0}, ValueError, "'max_blocks' must be >= 1"),
    ],
)
def test_bad_config(config, error, match):
    with pytest.raises(error, match=match):
        NASSpace.from_dict(config)


def test_bad_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("widths = [4, \n")
    with pytest.raises(ValueError, match="not valid TOML"):
        NASSpace.from_toml(path)
    path.write_text("widths = [4, 8]\n")
    with pytest.raises(ValueError, match=r"no table \[space\]"):
        NASSpace.from_toml(path, table="space")
    path.write_text("kernels = [4]\n")
    with pytest.raises(ValueError, match="odd"):
        NASSpace.from_toml(path)
    with pytest.raises(TypeError, match="mapping"):
        NASSpace.from_dict([("widths", [4])])


# -- Architecture ------------------------------------------------------------------


def test_architecture_readout_field():
    a = arch(block("dense"), readout="flatten")
    d = a.to_dict()
    assert d["readout"] == "flatten" and '"readout":"flatten"' in a.to_json()
    assert Architecture.from_json(a.to_json()) == a
    # Dicts written before the readout existed load with global average pooling.
    old = {k: v for k, v in d.items() if k != "readout"}
    assert Architecture.from_dict(old) == replace(a, readout="gap")
    assert Architecture.from_json(json.dumps(old)).readout == "gap"
    assert arch().readout == "gap"


@given(st.integers(0, 2**32 - 1))
def test_architecture_json_round_trip(seed):
    nas = NASSpace()
    for a in nas.decode(nas.space.sample(3, seed=seed)):
        assert Architecture.from_json(a.to_json()) == a
        assert Architecture.from_dict(json.loads(json.dumps(a.to_dict()))) == a
        assert a.depth == sum(b.type != "identity" for b in a.blocks)


def test_architecture_validation():
    a = arch(block("conv"), block("identity"))
    assert a.depth == 1 and arch().depth == 0
    d = a.to_dict()
    with pytest.raises(ValueError, match="unknown key"):
        Architecture.from_dict({**d, "extra": 1})
    with pytest.raises(ValueError, match="misses key"):
        Architecture.from_dict({k: v for k, v in d.items() if k != "lr"})
    with pytest.raises(ValueError, match="misses key"):
        Block.from_dict({k: v for k, v in d["blocks"][0].items() if k != "skip"})
    with pytest.raises(ValueError, match="unknown key"):
        Architecture.from_dict({**d, "blocks": [{**d["blocks"][0], "size": 3}]})
    with pytest.raises(TypeError, match="JSON text"):
        Architecture.from_json(d)
    with pytest.raises(ValueError, match="'lr' must lie in"):
        arch(lr=0.0)
    with pytest.raises(ValueError, match="'quantization' must be one of"):
        arch(quantization="int4")
    with pytest.raises(ValueError, match=r"'readout' must be one of \['gap', 'flatten'\]"):
        arch(readout="max")
    with pytest.raises(ValueError, match="'readout' must be one of"):
        arch(readout=None)
    with pytest.raises(ValueError, match="'patience' must be >= 1"):
        arch(patience=0)
    with pytest.raises(TypeError, match="'blocks'\\[0\\] must be a Block"):
        arch({"type": "conv"})
    with pytest.raises(ValueError, match="'kernel' must be odd"):
        block(kernel=4)
    with pytest.raises(ValueError, match="'type' must be one of"):
        block("attention")
    with pytest.raises(ValueError, match="'dropout' must lie in"):
        block(dropout=1.0)
    with pytest.raises(TypeError, match="'skip' must be a bool"):
        block(skip=1)
    with pytest.raises(TypeError, match="'width' must be an int"):
        block(width=8.0)
