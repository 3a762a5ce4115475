"""build_model: every block type on every input rank, naming, shortcuts, initialisation."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from evonas.nas.arch import BLOCK_TYPES, INITS, NORMS  # noqa: E402
from evonas.nas.model import GlobalAvgPool, build_model, readout_features  # noqa: E402
from evonas.nas.space import MAX_FLATTEN_FEATURES, NASSpace  # noqa: E402
from test_nas_space import arch, block  # noqa: E402

SHAPES = [(13,), (3, 20), (1, 8, 8)]


pytestmark = pytest.mark.usefixtures("torch_one_thread")


def forward(model, shape, batch=3, train=False):
    model.train(train)
    x = torch.randn((batch, *shape), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return model(x)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("type_", BLOCK_TYPES)
@pytest.mark.parametrize(("norm", "skip"), [("none", False), ("batch", True), ("layer", True), ("layer", False)])
@pytest.mark.parametrize("width", [1, 6])
def test_every_block_type_on_every_rank(type_, shape, norm, skip, width):
    nas = NASSpace(widths=[1, 6])
    # The block twice: with a width change and stride 2, then keeping the width (identity shortcut).
    a = arch(
        block(type_, width=width, stride=2, norm=norm, skip=skip, dropout=0.1),
        block(type_, width=width, norm=norm, skip=skip),
    )
    a = nas.repair(a, shape)
    model = build_model(a, shape, 5)
    for train in (False, True):
        out = forward(model, shape, train=train)
        assert out.shape == (3, 5) and torch.isfinite(out).all()


@given(st.integers(0, 2**32 - 1))
def test_random_genomes_build_and_run(seed):
    nas = NASSpace()
    X = nas.space.sample(2, seed=seed)
    for a, shape in itertools.product(nas.decode(X), SHAPES):
        model = build_model(nas.repair(a, shape), shape, 4, seed=seed)
        assert forward(model, shape, batch=2).shape == (2, 4)


def test_state_dict_keys_name_the_roles():
    a = arch(
        block("conv", width=4, norm="batch"),
        block("residual", width=8, stride=2, norm="layer"),
        block("identity"),
        block("sepconv", width=8, skip=True),
        block("pool"),
        block("dense", width=5, skip=True, norm="layer"),
    )
    keys = set(build_model(a, (1, 8, 8), 3).state_dict())
    expected = {
        "blocks.0.conv.weight", "blocks.0.norm.weight", "blocks.0.norm.bias", "blocks.0.norm.running_mean",
        "blocks.0.norm.running_var", "blocks.0.norm.num_batches_tracked",
        "blocks.1.conv1.weight", "blocks.1.norm1.weight", "blocks.1.norm1.bias", "blocks.1.conv2.weight",
        "blocks.1.norm2.weight", "blocks.1.norm2.bias", "blocks.1.shortcut.weight",
        "blocks.3.depthwise.weight", "blocks.3.pointwise.weight", "blocks.3.pointwise.bias",
        "blocks.5.linear.weight", "blocks.5.norm.weight", "blocks.5.norm.bias", "blocks.5.shortcut.weight",
        "head.weight", "head.bias",
    }  # fmt: skip
    assert keys == expected
    model = build_model(a, (1, 8, 8), 3)
    assert isinstance(model.blocks[1].norm1, torch.nn.GroupNorm) and model.blocks[1].norm1.num_groups == 1
    assert isinstance(model.blocks[5].norm, torch.nn.LayerNorm)
    assert model.blocks[3].depthwise.groups == 8
    assert model.flatten_at == 5


def test_shortcuts_add_the_input():
    # With the convolutions zeroed, a block with an identity shortcut outputs act(0 + x) = relu(x).
    x = torch.randn(2, 4, 5, 5, generator=torch.Generator().manual_seed(0))
    for b in (block("residual", width=4), block("conv", width=4, skip=True), block("sepconv", width=4, skip=True)):
        model = build_model(arch(b), (4, 5, 5), 2)
        unit = model.blocks[0]
        for p in unit.parameters():
            torch.nn.init.zeros_(p)
        expected = torch.relu(x) if b.type == "residual" else x  # residual activates after the sum
        torch.testing.assert_close(unit(x), expected)
    # Without skip the zeroed block outputs act(0) = 0.
    unit = build_model(arch(block("conv", width=4)), (4, 5, 5), 2).blocks[0]
    for p in unit.parameters():
        torch.nn.init.zeros_(p)
    assert unit(x).abs().max() == 0


def test_deterministic_for_a_seed_and_global_rng_untouched():
    nas = NASSpace()
    a = nas.repair(nas.decode(nas.space.sample(1, seed=5))[0], (1, 8, 8))
    state = torch.random.get_rng_state()
    m1, m2, m3 = (build_model(a, (1, 8, 8), 10, seed=s) for s in (7, 7, 8))
    assert torch.equal(state, torch.random.get_rng_state())
    s1, s2, s3 = m1.state_dict(), m2.state_dict(), m3.state_dict()
    assert all(torch.equal(s1[k], s2[k]) for k in s1)
    assert not torch.equal(s1["head.weight"], s3["head.weight"])


@pytest.mark.parametrize("init", INITS)
def test_initialisation_schemes(init):
    a = arch(block("dense", width=64, norm="batch"), init=init)
    model = build_model(a, (32,), 16, seed=0)
    w = model.blocks[0].linear.weight.detach()
    assert model.head.bias.abs().max() == 0
    norm = model.blocks[0].norm
    assert torch.equal(norm.weight, torch.ones(64)) and torch.equal(norm.running_var, torch.ones(64))
    assert norm.running_mean.abs().max() == 0
    expected_std = {"xavier": (2 / (32 + 64)) ** 0.5, "kaiming": (2 / 32) ** 0.5, "normal": 0.05}
    if init == "orthogonal":
        torch.testing.assert_close(w.T @ w, torch.eye(32), atol=1e-5, rtol=0)  # 64x32: orthonormal columns
    else:
        assert abs(w.std().item() / expected_std[init] - 1) < 0.1


def test_bias_only_without_norm():
    for norm in NORMS:
        model = build_model(arch(block("conv", norm=norm), block("dense", norm=norm)), (2, 6), 3)
        assert (model.blocks[0].conv.bias is None) == (norm != "none")
        assert (model.blocks[1].linear.bias is None) == (norm != "none")


def test_meta_device_builds_shapes_only():
    a = arch(block("residual", width=8, norm="batch"), block("dense", width=4))
    meta = build_model(a, (1, 8, 8), 10, device="meta")
    cpu = build_model(a, (1, 8, 8), 10)
    assert all(p.is_meta for p in meta.parameters())
    assert [(k, v.shape) for k, v in meta.state_dict().items()] == [(k, v.shape) for k, v in cpu.state_dict().items()]


def test_invalid_architectures_and_arguments():
    with pytest.raises(ValueError, match=r"block 0 \('conv'\) cannot follow flat features.*NASSpace.repair"):
        build_model(arch(block("conv")), (10,), 2)
    with pytest.raises(ValueError, match="block 1 .* cannot follow flat features"):
        build_model(arch(block("dense"), block("sepconv")), (1, 8, 8), 2)
    with pytest.raises(ValueError, match=r"block 1 \(pool by 2\) would shrink"):
        build_model(arch(block("pool"), block("pool")), (1, 3, 3), 2)
    a = arch(block("dense"))
    with pytest.raises(TypeError, match="'arch'"):
        build_model(a.to_dict(), (4,), 2)
    with pytest.raises(ValueError, match="'n_classes'"):
        build_model(a, (4,), 0)
    with pytest.raises(ValueError, match="'seed'"):
        build_model(a, (4,), 2, seed=-1)
    with pytest.raises(TypeError, match="'input_shape'"):
        build_model(a, 4, 2)


def test_empty_network_is_a_linear_classifier():
    model = build_model(arch(block("identity")), (2, 4, 4), 3)
    assert [k for k in model.state_dict()] == ["head.weight", "head.bias"]
    x = torch.randn(5, 2, 4, 4)
    torch.testing.assert_close(model(x), model.head(x.mean((2, 3))))
    flat = build_model(arch(block("identity"), readout="flatten"), (2, 4, 4), 3)
    assert flat.head.in_features == 32
    torch.testing.assert_close(flat(x), flat.head(x.reshape(5, 32)))


def test_flatten_readout_feeds_every_value_to_the_dense_part():
    x = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    # An MLP on digits: 64 -> 24 -> 10 sees the flattened image; with gap it sees one mean pixel.
    a = arch(block("dense", width=24), block("dense", width=10), readout="flatten")
    mlp = build_model(a, (1, 8, 8), 10).eval()
    assert isinstance(mlp.readout, torch.nn.Flatten) and mlp.flatten_at == 0
    assert [mlp.blocks[0].linear.in_features, mlp.blocks[1].linear.in_features, mlp.head.in_features] == [64, 24, 10]
    with torch.no_grad():
        hidden = torch.relu(mlp.blocks[0].linear(x.reshape(4, 64)))
        torch.testing.assert_close(mlp(x), mlp.head(torch.relu(mlp.blocks[1].linear(hidden))))
    assert build_model(replace(a, readout="gap"), (1, 8, 8), 10).blocks[0].linear.in_features == 1
    # conv (stride 2) -> flatten -> head, 1-D and 2-D: channel-major order, as torch's flatten.
    for shape, n_features in [((2, 9), 3 * 5), ((1, 8, 8), 3 * 4 * 4)]:
        model = build_model(arch(block("conv", width=3, stride=2), readout="flatten"), shape, 4).eval()
        assert model.head.in_features == n_features
        x = torch.randn(2, *shape)
        with torch.no_grad():
            torch.testing.assert_close(model(x), model.head(model.blocks[0](x).reshape(2, n_features)))


def test_readout_keeps_state_dict_keys_and_is_the_identity_on_features():
    a = arch(block("conv", width=4, norm="batch"), block("dense", width=5, skip=True), readout="flatten")
    gap, flat = build_model(replace(a, readout="gap"), (2, 6, 6), 3), build_model(a, (2, 6, 6), 3)
    assert isinstance(gap.readout, GlobalAvgPool) and isinstance(flat.readout, torch.nn.Flatten)
    assert list(gap.state_dict()) == list(flat.state_dict())
    assert flat.blocks[1].linear.weight.shape == (5, 4 * 36) and gap.blocks[1].linear.weight.shape == (5, 4)
    # A (features,) input has nothing to read out: both readouts build the same network.
    b = arch(block("dense", width=6, norm="layer"), block("dense", width=3))
    m1, m2 = build_model(b, (7,), 2, seed=3), build_model(replace(b, readout="flatten"), (7,), 2, seed=3)
    assert m1.readout is None and m2.readout is None
    assert all(torch.equal(v, m2.state_dict()[k]) for k, v in m1.state_dict().items())
    torch.testing.assert_close(forward(m1, (7,)), forward(m2, (7,)))
    assert readout_features("flatten", 5, ()) == readout_features("gap", 5, ()) == 5
    assert (readout_features("flatten", 5, (2, 3)), readout_features("gap", 5, (2, 3))) == (30, 5)


@given(st.integers(0, 2**32 - 1))
def test_repaired_models_have_no_linear_layer_wider_than_the_limit(seed):
    nas = NASSpace(readouts=["flatten", "gap"])
    for a in nas.decode(nas.space.sample(3, seed=seed)):
        for shape in [(3, 32, 32), (1, 64, 80)]:
            model = build_model(nas.repair(a, shape), shape, 10, device="meta")
            linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
            assert max(m.in_features for m in linears) <= MAX_FLATTEN_FEATURES


@given(st.integers(0, 2**32 - 1))
def test_canonical_architecture_builds_the_same_network(seed):
    nas = NASSpace(max_blocks=3)
    for a, shape in itertools.product(nas.decode(nas.space.sample(2, seed=seed)), SHAPES):
        a = nas.repair(a, shape)
        c = a.canonical()
        assert c.canonical() == c and c.depth == a.depth and len(c.blocks) == len(a.blocks)
        m, mc = build_model(a, shape, 4, seed=seed), build_model(c, shape, 4, seed=seed)
        assert sorted(p.shape for p in m.parameters()) == sorted(p.shape for p in mc.parameters())
        torch.testing.assert_close(forward(m, shape), forward(mc, shape), rtol=0, atol=0)


def test_canonical_forms_of_ignored_fields():
    relu = dict(activation="relu", norm="none", dropout=0.0)
    empty = arch(block("identity", width=6, kernel=5, **relu), block("conv", width=6, **relu))
    moved = arch(block("conv", width=6, **relu), block("identity", width=2, kernel=3, stride=2, **relu))
    assert empty.canonical() == moved.canonical() != moved
    assert arch(block("pool", stride=1)).canonical() == arch(block("pool", stride=2, width=9)).canonical()
    assert arch(block("pool", stride=3)).canonical() != arch(block("pool", stride=2)).canonical()
    assert arch(block("dense", kernel=5, stride=2)).canonical() == arch(block("dense", kernel=1)).canonical()
    assert arch(block("residual", skip=True)).canonical() == arch(block("residual", skip=False)).canonical()
    assert arch(block("conv", skip=True)).canonical() != arch(block("conv", skip=False)).canonical()
    plain = arch(block("conv", width=6, **relu))
    assert plain.canonical() is plain
