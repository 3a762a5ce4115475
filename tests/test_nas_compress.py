"""Pruning, int8 quantisation and model size (evonas.nas.compress)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from evonas.nas.compress import (  # noqa: E402
    Masks,
    convert,
    estimated_size_bytes,
    measured_size_bytes,
    prepare_qat,
    prune,
    quantize,
    quantized_weight,
    size_counts,
)

pytestmark = pytest.mark.usefixtures("torch_one_thread")

# ----------------------------------------------------------------------------
# Test models: blocks.{i}.<part> and head, like the models of build_model
# ----------------------------------------------------------------------------


class Net(nn.Module):
    """Blocks of weighted layers with norms between them, then a linear head."""

    def __init__(self, blocks: list[nn.Module], head: nn.Module, flatten: bool = True) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.head = head
        self.flatten = flatten

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        if self.flatten:
            x = x.mean(dim=tuple(range(2, x.dim()))) if x.dim() > 2 else x
        return self.head(x)


def conv_net(width: int = 6, n_classes: int = 3) -> Net:
    """Conv2d, batch-norm, depthwise Conv2d, group-norm, pooling, dropout, head."""
    return Net(
        [
            nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()),
            nn.Sequential(nn.Conv2d(width, width, 3, padding=1, groups=width), nn.GroupNorm(2, width), nn.GELU()),
            nn.Sequential(nn.MaxPool2d(2), nn.Dropout(0.1)),
        ],
        nn.Linear(width, n_classes),
    )


def mlp(n_in: int, hidden: int, n_classes: int) -> Net:
    return Net([nn.Sequential(nn.Linear(n_in, hidden), nn.LayerNorm(hidden), nn.ReLU())], nn.Linear(hidden, n_classes))


LAYER_KINDS = ("linear", "conv1d", "conv2d", "depthwise")


def make_layer(kind: str, c_in: int, c_out: int, k: int) -> nn.Module:
    if kind == "linear":
        return nn.Linear(c_in, c_out)
    if kind == "conv1d":
        return nn.Conv1d(c_in, c_out, k)
    if kind == "conv2d":
        return nn.Conv2d(c_in, c_out, k)
    return nn.Conv2d(c_out, c_out, k, groups=c_out)


@st.composite
def weighted_nets(draw, max_layers: int = 4):
    """A Net of random weighted layers whose weights come from a small grid (many ties)."""
    n = draw(st.integers(1, max_layers))
    layers = [
        make_layer(draw(st.sampled_from(LAYER_KINDS)), draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3)))
        for _ in range(n)
    ]
    net = Net([nn.Sequential(layer, nn.ReLU()) for layer in layers[:-1]], layers[-1])
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    levels = draw(st.sampled_from([2, 5, 1000]))
    with torch.no_grad():
        for layer in layers:
            values = rng.integers(-levels, levels + 1, size=tuple(layer.weight.shape)) / levels
            layer.weight.copy_(torch.as_tensor(values, dtype=torch.float32))
    return net


def weight_names(net: Net) -> list[str]:
    return [name for name, p in net.named_parameters() if name.endswith("weight") and p.dim() > 1]


def reference_masks(weights: list[np.ndarray], sparsity: float, scope: str) -> list[np.ndarray]:
    """Brute force: stable sort of |w| over the concatenation (or each layer)."""
    groups = [list(range(len(weights)))] if scope == "global" else [[i] for i in range(len(weights))]
    out: list[np.ndarray] = [np.empty(0)] * len(weights)
    for group in groups:
        flat = np.concatenate([weights[i].ravel() for i in group])
        keep = np.ones(flat.size, dtype=bool)
        keep[np.argsort(np.abs(flat), kind="stable")[: round(sparsity * flat.size)]] = False
        start = 0
        for i in group:
            out[i] = keep[start : start + weights[i].size].reshape(weights[i].shape)
            start += weights[i].size
    return out


sparsities = st.one_of(st.sampled_from([0.0, 0.5, 0.9, 0.999, 1 - 1e-9]), st.floats(0.0, 1.0, exclude_max=True))

# ----------------------------------------------------------------------------
# Pruning
# ----------------------------------------------------------------------------


@given(weighted_nets(), sparsities, st.sampled_from(["global", "layer"]))
def test_prune_matches_reference(net, sparsity, scope):
    names = weight_names(net)
    params = dict(net.named_parameters())
    before = {name: p.detach().numpy().copy() for name, p in params.items()}
    twin = copy.deepcopy(net)
    masks = prune(net, sparsity, scope=scope)
    expected = reference_masks([before[n] for n in names], sparsity, scope)
    assert list(masks.masks) == names
    for name, ref in zip(names, expected):
        assert np.array_equal(masks.masks[name].numpy(), ref)
        assert np.array_equal(params[name].detach().numpy(), np.where(ref, before[name], 0.0))
    for name in set(params) - set(names):  # biases and norm parameters untouched
        assert np.array_equal(params[name].detach().numpy(), before[name])
    n = sum(before[name].size for name in names)
    if scope == "global":
        assert masks.sparsity == round(sparsity * n) / n
    again = prune(twin, sparsity, scope=scope)  # deterministic
    assert all(torch.equal(again.masks[k], masks.masks[k]) for k in names)


def test_prune_counts_exactly_with_all_ties():
    net = mlp(5, 4, 3)
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(0.25)
    masks = prune(net, 0.3)
    n = 5 * 4 + 4 * 3
    assert masks.sparsity == round(0.3 * n) / n
    flat = torch.cat([net.blocks[0][0].weight.reshape(-1), net.head.weight.reshape(-1)])
    assert torch.equal(flat == 0, torch.arange(n) < round(0.3 * n))  # ties: the first ones go


def test_masks_survive_optimiser_steps():
    torch.manual_seed(0)
    net = conv_net()
    masks = prune(net, 0.6)
    x, y = torch.randn(8, 1, 6, 6), torch.randint(0, 3, (8,))
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    params = dict(net.named_parameters())

    def step(after):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
        if after:
            masks.apply(net)

    for _ in range(3):
        step(after=True)
        for name, mask in masks.masks.items():
            assert not params[name][~mask].any()
            assert params[name][mask].count_nonzero() > 0
    step(after=False)  # without the mask the step revives pruned weights
    assert any(params[name][~mask].any() for name, mask in masks.masks.items())


def test_masks_apply_checks_the_model():
    masks = prune(mlp(4, 3, 2), 0.5)
    other = mlp(4, 5, 2)
    before = copy.deepcopy(other.state_dict())
    with pytest.raises(ValueError, match=r"'blocks.0.0.weight' of shape \(3, 4\) does not fit 'model' \(shape \(5, 4\)\)"):
        masks.apply(other)
    assert all(torch.equal(v, other.state_dict()[k]) for k, v in before.items())  # nothing changed
    with pytest.raises(ValueError, match="no such parameter"):
        masks.apply(Net([], nn.Linear(4, 2)))
    with pytest.raises(TypeError, match="'model' must be a torch.nn.Module"):
        masks.apply("model")


def test_sparsity_of_no_masks_is_zero():
    assert Masks({}).sparsity == 0.0
    assert prune(Net([nn.ReLU()], nn.Identity()), 0.5).sparsity == 0.0


@pytest.mark.parametrize("bad", [1.0, -0.1, float("nan"), 1.5])
def test_prune_rejects_sparsity_outside_range(bad):
    with pytest.raises(ValueError, match=r"'sparsity' must be in \[0, 1\)"):
        prune(mlp(3, 3, 2), bad)


@pytest.mark.parametrize("bad", [True, "0.5", None])
def test_prune_rejects_sparsity_of_wrong_type(bad):
    with pytest.raises(TypeError, match="'sparsity'"):
        prune(mlp(3, 3, 2), bad)


def test_prune_rejects_bad_scope_model_and_nan():
    with pytest.raises(ValueError, match="'scope'"):
        prune(mlp(3, 3, 2), 0.5, scope="block")
    with pytest.raises(TypeError, match="'model'"):
        prune({"weight": torch.ones(2)}, 0.5)
    net = mlp(3, 3, 2)
    with torch.no_grad():
        net.head.weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="head.weight"):
        prune(net, 0.5)


# ----------------------------------------------------------------------------
# Quantisation
# ----------------------------------------------------------------------------


@given(weighted_nets(max_layers=3), st.floats(1e-3, 1e3))
def test_int8_weights_per_channel(net, magnitude):
    with torch.no_grad():
        for name in weight_names(net):
            net.get_parameter(name).mul_(magnitude)
    before = {name: net.get_parameter(name).detach().clone() for name in weight_names(net)}
    layers = [m for m in net.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d))]
    prepare_qat(net)
    with torch.no_grad():  # an activation range without a forward pass (the layers do not chain)
        for layer in layers:
            layer.act_min.fill_(-1.0)
            layer.act_max.fill_(1.0)
    convert(net)
    for name, layer in zip(weight_names(net), layers):
        codes, scale = quantized_weight(layer)
        w = before[name].double()
        amax = w.abs().reshape(w.shape[0], -1).max(dim=1).values
        assert torch.allclose(scale.double(), torch.where(amax > 0, amax / 127, 1.0), rtol=1e-6)
        assert codes.dtype == torch.int8 and codes.abs().max() <= 127
        for channel in codes.reshape(codes.shape[0], -1):
            assert channel.unique().numel() <= 256
        s = scale.double().reshape((-1,) + (1,) * (w.dim() - 1))
        assert torch.all((w - codes.double() * s).abs() <= s / 2 * (1 + 1e-5))
        assert torch.equal(codes.float() * s.float(), layer.weight.detach())


def test_ptq_linear_matches_numpy_reference():
    torch.manual_seed(1)
    net = Net([], nn.Linear(5, 3))
    calib = torch.randn(40, 5)
    x = torch.randn(10, 5) * 1.5  # some values fall outside the calibrated range
    w0 = net.head.weight.detach().numpy().astype(np.float64)
    quantize(net, "int8_ptq", calib=calib)
    lo, hi = min(calib.min().item(), 0.0), max(calib.max().item(), 0.0)
    scale = (hi - lo) / 255
    zp = np.clip(np.round(-lo / scale), 0, 255)
    xq = (np.clip(np.round(x.numpy() / scale) + zp, 0, 255) - zp) * scale
    ws = np.abs(w0).max(axis=1, keepdims=True) / 127
    wq = np.round(w0 / ws) * ws
    expected = xq @ wq.T + net.head.bias.detach().numpy()
    got = net(x).detach().numpy()
    assert np.allclose(got, expected, atol=1e-4)
    assert not np.allclose(got, x.numpy() @ w0.T + net.head.bias.detach().numpy(), atol=1e-4)


@pytest.mark.parametrize("groups", [1, 4])
def test_ptq_conv1d_matches_reference(groups):
    torch.manual_seed(4)
    net = Net([], nn.Conv1d(4, 4, 3, padding=1, groups=groups), flatten=False)
    w0, b0 = net.head.weight.detach().clone(), net.head.bias.detach().clone()
    calib, x = torch.rand(16, 4, 7) * 3, torch.randn(5, 4, 7)  # calibrated on [0, 3]: negatives clip to 0
    quantize(net, "int8_ptq", calib=calib)
    scale = calib.max().item() / 255
    xq = torch.clamp(torch.round(x / scale), 0, 255) * scale
    ws = w0.abs().amax(dim=(1, 2), keepdim=True) / 127
    expected = nn.functional.conv1d(xq, torch.round(w0 / ws) * ws, b0, padding=1, groups=groups)
    assert torch.allclose(net(x), expected, atol=1e-5)


def test_qat_tracks_the_range_by_moving_average_in_training_only():
    net = prepare_qat(Net([], nn.Linear(2, 2)))
    net.train()
    net(torch.tensor([[-1.0, 2.0]]))
    assert (net.head.act_min.item(), net.head.act_max.item()) == (-1.0, 2.0)
    net(torch.tensor([[-11.0, 12.0]]))
    assert net.head.act_min.item() == pytest.approx(-2.0) and net.head.act_max.item() == pytest.approx(3.0)
    net.eval()
    net(torch.tensor([[-100.0, 100.0]]))
    assert net.head.act_min.item() == pytest.approx(-2.0) and net.head.act_max.item() == pytest.approx(3.0)


def blobs(n: int, seed: int):
    """Four well separated Gaussian classes in 8 dimensions."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(4, 8, generator=torch.Generator().manual_seed(99)) * 3
    y = torch.randint(0, 4, (n,), generator=g)
    return centres[y] + torch.randn(n, 8, generator=g), y


def train(net, x, y, steps, after_step=None):
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    net.train()
    for i in range(steps):
        batch = slice((i * 64) % len(x), (i * 64) % len(x) + 64)
        opt.zero_grad()
        nn.functional.cross_entropy(net(x[batch]), y[batch]).backward()
        opt.step()
        if after_step is not None:
            after_step(net)
    net.eval()


def accuracy(net, x, y) -> float:
    with torch.no_grad():
        return (net(x).argmax(1) == y).float().mean().item()


def test_ptq_keeps_accuracy_of_a_trained_model():
    torch.manual_seed(0)
    (x, y), (xv, yv) = blobs(512, 0), blobs(512, 1)
    net = mlp(8, 16, 4)
    train(net, x, y, 60)
    float_acc = accuracy(net, xv, yv)
    outputs = net(xv).detach()
    quantize(net, "int8_ptq", calib=[(x[:64], y[:64]), (x[64:128], y[64:128])])
    assert float_acc > 0.9
    assert accuracy(net, xv, yv) >= float_acc - 0.02
    assert not torch.equal(net(xv).detach(), outputs)  # the quantised model is what was measured
    assert measured_size_bytes(net) < 4 * sum(p.numel() for p in net.parameters())


def test_qat_gradients_flow_straight_through():
    torch.manual_seed(2)
    net = Net([], nn.Linear(4, 2))
    prepare_qat(net)
    net.train()
    x = torch.randn(6, 4, requires_grad=True)
    net(x).sum().backward()  # the first batch sets the range, so nothing is clipped
    layer = net.head
    codes, scale = (t.detach() for t in _fake_quant_weight_parts(layer.weight))
    assert torch.allclose(layer.weight.grad, torch.ones(6, 2).T @ _quant_input(x.detach(), layer), atol=1e-5)
    lo, hi = _grid_ends(layer)  # the range's ends rounded to the grid: the batch minimum may be clipped
    inside = (x >= lo) & (x <= hi)
    assert inside.float().mean() > 0.8
    assert torch.allclose(x.grad, inside * (torch.ones(6, 2) @ (codes.float() * scale[:, None])), atol=1e-5)
    x2 = torch.full((1, 4), 1e3, requires_grad=True)  # far above the range: clipped, no gradient
    net.eval()
    net(x2).sum().backward()
    assert torch.equal(x2.grad, torch.zeros_like(x2))


def _fake_quant_weight_parts(w):
    amax = w.detach().abs().amax(dim=1)
    scale = amax / 127
    return torch.round(w.detach() / scale[:, None]), scale


def _grid(layer):
    lo, hi = min(layer.act_min.item(), 0.0), max(layer.act_max.item(), 0.0)
    scale = (hi - lo) / 255
    return scale, round(-lo / scale)


def _grid_ends(layer):
    scale, zp = _grid(layer)
    return -zp * scale, (255 - zp) * scale


def _quant_input(x, layer):
    scale, zp = _grid(layer)
    return (torch.clamp(torch.round(x / scale) + zp, 0, 255) - zp) * scale


def test_qat_fine_tuning_with_masks_then_convert():
    torch.manual_seed(0)
    (x, y), (xv, yv) = blobs(512, 0), blobs(512, 1)
    net = mlp(8, 16, 4)
    train(net, x, y, 40)
    masks = prune(net, 0.5)
    opt_params = list(net.parameters())
    prepare_qat(net)
    assert list(net.parameters()) == opt_params  # an optimiser built before keeps working
    train(net, x, y, 30, after_step=masks.apply)
    quantize(net, "qat")
    assert accuracy(net, xv, yv) > 0.9
    for name, mask in masks.masks.items():
        assert not net.get_parameter(name)[~mask].any()
    layer = net.head
    assert {"head.weight", "head.bias", "head.weight_scale", "head.act_min", "head.act_max"} <= set(net.state_dict())
    codes, _ = quantized_weight(layer)
    assert codes.abs().max() == 127


def test_quantize_none_is_identity_and_errors_are_clear():
    net = mlp(3, 4, 2)
    state = copy.deepcopy(net.state_dict())
    assert quantize(net, "none") is net
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in state.items())
    with pytest.raises(ValueError, match="one of"):
        quantize(net, "int4")
    with pytest.raises(ValueError, match="'calib' is required"):
        quantize(net, "int8_ptq")
    with pytest.raises(ValueError, match="prepare_qat"):
        quantize(net, "qat")
    with pytest.raises(ValueError, match="prepare_qat"):
        convert(net)
    with pytest.raises(TypeError, match="'calib'"):
        quantize(mlp(3, 4, 2), "int8_ptq", calib=5)
    with pytest.raises(TypeError, match="'calib' batches"):
        quantize(mlp(3, 4, 2), "int8_ptq", calib=[[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="at least one sample"):
        quantize(mlp(3, 4, 2), "int8_ptq", calib=np.zeros((0, 3), dtype=np.float32))
    quantize(net, "int8_ptq", calib=np.ones((4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="already quantised"):
        quantize(net, "int8_ptq", calib=np.ones((4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="no activation range"):
        convert(prepare_qat(mlp(3, 4, 2)))
    with pytest.raises(ValueError, match="converted"):
        quantized_weight(prepare_qat(mlp(3, 4, 2)).head)
    with torch.no_grad():
        net.head.weight.add_(1e-3)
    with pytest.raises(ValueError, match="changed after quantisation"):
        measured_size_bytes(net)


def test_quantised_conv_net_runs_and_keeps_outputs_close():
    torch.manual_seed(0)
    net = conv_net().eval()
    x = torch.randn(32, 1, 8, 8)
    ref = net(x).detach()
    quantize(net, "int8_ptq", calib=x)
    assert (net(x).detach() - ref).abs().max() < 0.05 * ref.abs().max()
    assert isinstance(net.blocks[1][0], nn.Conv2d) and net.blocks[1][0].groups == 6


# ----------------------------------------------------------------------------
# Size
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sparsity", "mode", "expected"),
    [
        (0.0, "none", 4 * 44),
        (0.5, "none", 4 * 4 + (5 + 4 * 20)),  # bitmap of 40 bits + 20 float32 values
        (0.02, "none", 4 * 44),  # 1 zero: dense is cheaper
        (0.0, "int8_ptq", 4 * 4 + 40 + 4 * 4 + 8),
        (0.5, "qat", 4 * 4 + (5 + 20) + 4 * 4 + 8),
        (0.1, "int8_ptq", 4 * 4 + 40 + 4 * 4 + 8),  # 36 int8 values + bitmap > 40
    ],
)
def test_size_of_a_linear_layer_by_hand(sparsity, mode, expected):
    net = Net([], nn.Linear(10, 4))
    counts = size_counts(net)
    assert (counts.n_params, counts.n_prunable, counts.n_channels, counts.n_layers) == (44, 40, 4, 1)
    assert estimated_size_bytes(44, sparsity, mode, n_prunable=40, n_channels=4, n_layers=1) == expected


def test_estimate_defaults():
    assert estimated_size_bytes(1000, 0.0, "none") == 4000
    assert estimated_size_bytes(1000, 0.5, "none") == 125 + 4 * 500
    assert estimated_size_bytes(0, 0.5, "qat") == 0


def known_weights(net: Net) -> Net:
    """Weights of magnitude in [0.5, 1] per channel: int8 rounding makes no zeros."""
    rng = np.random.default_rng(3)
    with torch.no_grad():
        for name in weight_names(net):
            p = net.get_parameter(name)
            values = rng.uniform(0.5, 1.0, size=tuple(p.shape)) * rng.choice([-1, 1], size=tuple(p.shape))
            p.copy_(torch.as_tensor(values))
    return net


@given(st.floats(0.0, 0.99), st.sampled_from(["none", "int8_ptq", "qat"]))
def test_estimate_equals_measured_for_known_counts(sparsity, mode):
    net = known_weights(conv_net())
    counts = size_counts(net)
    prune(net, sparsity)
    x = torch.randn(4, 1, 6, 6)
    if mode == "qat":
        prepare_qat(net)
        net(x)
    quantize(net, mode, calib=x)
    estimate = estimated_size_bytes(
        counts.n_params, sparsity, mode, n_prunable=counts.n_prunable, n_channels=counts.n_channels, n_layers=counts.n_layers
    )
    assert measured_size_bytes(net) == estimate


def test_measured_size_of_an_untouched_model_is_four_bytes_per_parameter():
    net = conv_net()
    assert measured_size_bytes(net) == 4 * sum(p.numel() for p in net.parameters())


def test_measured_size_counts_zeros_made_by_rounding():
    net = Net([], nn.Linear(64, 1, bias=False))
    with torch.no_grad():
        net.head.weight.copy_(torch.cat([torch.ones(1, 16), torch.full((1, 48), 1e-4)], dim=1))
    quantize(net, "int8_ptq", calib=torch.ones(2, 64))
    assert measured_size_bytes(net) == (8 + 16) + 4 + 8  # 48 weights round to 0
    assert estimated_size_bytes(64, 0.0, "int8_ptq", n_channels=1, n_layers=1) == 64 + 4 + 8


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_params": -1}, ValueError, "'n_params'"),
        ({"n_params": 2.5}, ValueError, "'n_params'"),
        ({"n_prunable": 20}, ValueError, "must not exceed"),
        ({"n_channels": -3}, ValueError, "'n_channels'"),
        ({"sparsity": 1.0}, ValueError, "'sparsity'"),
        ({"quantization": "int4"}, ValueError, "one of"),
    ],
)
def test_estimate_rejects_bad_arguments(kwargs, error, match):
    args = {"n_params": 10, "sparsity": 0.5, "quantization": "none"} | kwargs
    with pytest.raises(error, match=match):
        estimated_size_bytes(**args)


def test_size_functions_reject_non_modules():
    with pytest.raises(TypeError, match="'model'"):
        measured_size_bytes({"w": torch.ones(3)})
    with pytest.raises(TypeError, match="'model'"):
        size_counts(None)
    assert math.isfinite(measured_size_bytes(nn.Identity()))
