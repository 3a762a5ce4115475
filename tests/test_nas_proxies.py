"""Zero-cost proxies: closed forms, brute-force references, every block type, determinism, bad input."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from evonas.nas.arch import BLOCK_TYPES  # noqa: E402
from evonas.nas.data import load_data  # noqa: E402
from evonas.nas.proxies import PROXIES, grad_norm, jacob_cov, naswot, proxy_scores, synflow  # noqa: E402
from evonas.nas.space import NASSpace  # noqa: E402
from test_nas_space import arch, block  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_one_thread")

SHAPES = [(13,), (3, 20), (1, 8, 8)]
K = 1e-5  # jacob_cov's regulariser


def randn(*shape, seed=0, dtype=torch.float64):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def set_weights(model, seed=0):
    """Random weights of both signs (and non-trivial norm scales and shifts) in every parameter."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return model


def random_splits(shape, n=60, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, *shape)).astype(np.float32)
    y = np.arange(n) % n_classes
    return load_data((x, y), seed=seed)


# -- synflow -------------------------------------------------------------------


def test_synflow_of_one_linear_layer_is_the_l1_norm_of_its_weights():
    layer = set_weights(nn.Linear(5, 3, bias=False))
    # R = 1^T |W| 1 and theta * dR/dtheta = |W| element-wise.
    assert synflow(layer, (5,)) == pytest.approx(math.log(layer.weight.double().abs().sum().item()), rel=1e-12)


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Tanh, nn.Sigmoid, None])
def test_synflow_of_two_linear_layers_is_twice_the_path_norm(activation):
    """Every path crosses both tensors, so the score is 2 R whatever the activation (it is linearised)."""
    w1, w2 = set_weights(nn.Linear(4, 6, bias=False), 1), set_weights(nn.Linear(6, 3, bias=False), 2)
    model = nn.Sequential(w1, *([activation()] if activation else []), w2)
    path_norm = (w2.weight.double().abs() @ w1.weight.double().abs()).sum().item()
    assert synflow(model, (4,)) == pytest.approx(math.log(2 * path_norm), rel=1e-12)


@pytest.mark.parametrize(
    ("shape", "layer", "norm"),
    [
        ((4,), lambda: nn.Linear(4, 5, bias=False), lambda: nn.BatchNorm1d(5)),
        ((4,), lambda: nn.Linear(4, 5, bias=False), lambda: nn.LayerNorm(5)),
        ((1, 7), lambda: nn.Conv1d(1, 5, 1, bias=False), lambda: nn.GroupNorm(1, 5)),
        ((1, 3, 2), lambda: nn.Conv2d(1, 5, 1, bias=False), lambda: nn.BatchNorm2d(5)),
    ],
)
def test_synflow_keeps_only_the_affine_part_of_normalisations(shape, layer, norm):
    """x -> layer -> norm -> relu -> (mean over positions) -> head on ones: per channel c,
    h_c = |g_c| a_c + |b_c| with a_c the channel's summed |weights|, R = sum_c v_c h_c (v = column
    sums of |head|). The layer's and the scale's terms are both sum_c v_c |g_c| a_c, the shift's
    sum_c v_c |b_c|, the head's R: score = 3 sum v |g| a + 2 sum v |b|."""
    first, second = set_weights(layer(), 1), set_weights(norm(), 2)
    head = set_weights(nn.Linear(5, 3, bias=False), 3)
    spatial = [nn.Flatten(2), nn.AdaptiveAvgPool1d(1), nn.Flatten()] if len(shape) > 1 else []
    model = nn.Sequential(first, second, nn.ReLU(), *spatial, head)
    a = first.weight.double().abs().flatten(1).sum(1)
    g, b = second.weight.double().abs(), second.bias.double().abs()
    v = head.weight.double().abs().sum(0)
    expected = 3 * (v * g * a).sum() + 2 * (v * b).sum()
    assert synflow(model, shape) == pytest.approx(math.log(expected.item()), rel=1e-12)


def test_synflow_edge_cases():
    zero = nn.Linear(3, 2, bias=False)
    nn.init.zeros_(zero.weight)
    assert synflow(zero, (3,)) == -math.inf  # no path carries weight
    assert math.isnan(synflow(nn.Identity(), (3,)))  # no parameter
    huge = nn.Sequential(*(nn.Linear(64, 64, bias=False) for _ in range(200)))
    for layer in huge:
        nn.init.constant_(layer.weight, 1.0)
    assert math.isnan(synflow(huge, (64,)))  # 64^201 overflows float64


# -- naswot --------------------------------------------------------------------


def reference_naswot(codes: np.ndarray) -> float:
    """Brute force: K[i, j] = number of positions where codes i and j agree; log det K or -inf."""
    n = len(codes)
    kernel = np.array([[sum(a == b for a, b in zip(codes[i], codes[j])) for j in range(n)] for i in range(n)], float)
    if np.linalg.matrix_rank(kernel) < n:
        return -math.inf
    sign, logdet = np.linalg.slogdet(kernel)
    assert sign > 0
    return float(logdet)


def test_naswot_closed_forms():
    relu = nn.ReLU()
    complementary = torch.tensor([[1.0, -1.0, 2.0, 0.0], [-3.0, 1.0, -1.0, 5.0]])
    assert naswot(relu, complementary) == pytest.approx(2 * math.log(4), rel=1e-12)  # K = 4 I
    identical = torch.tensor([[1.0, -1.0, 2.0], [3.0, -2.0, 0.5], [0.1, -9.0, 1.0]])
    assert naswot(relu, identical) == -math.inf  # K = 3 * ones, rank 1
    # 5 samples but codes of 3 units: rank K <= 4.
    assert naswot(relu, randn(5, 3)) == -math.inf


@given(st.integers(2, 7), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_naswot_matches_brute_force(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.choice([-1.0, 0.0, 2.0], size=(n, d))  # 0 codes as inactive, like a negative value
    codes = (x > 0).astype(int)
    assert naswot(nn.ReLU(), torch.from_numpy(x)) == pytest.approx(reference_naswot(codes), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("activation", [nn.Tanh, nn.Sigmoid, nn.GELU, nn.ELU, nn.LeakyReLU, nn.SiLU, nn.Mish])
def test_naswot_codes_are_the_sign_of_every_activations_input(activation):
    x = randn(6, 9, seed=4)
    codes = (x > 0).int().numpy()
    assert naswot(activation(), x) == pytest.approx(reference_naswot(codes), rel=1e-12)
    # A ReLU then the activation: the second sees relu(x), whose codes are the same, so K doubles.
    stacked = naswot(nn.Sequential(nn.ReLU(), activation()), x)
    assert stacked == pytest.approx(reference_naswot(codes) + 6 * math.log(2), rel=1e-12)


def test_naswot_without_activation_is_nan():
    assert math.isnan(naswot(nn.Linear(3, 2), randn(4, 3, dtype=torch.float32)))


# -- grad_norm -----------------------------------------------------------------


def test_grad_norm_of_a_linear_classifier_has_a_closed_form():
    layer = set_weights(nn.Linear(5, 3, bias=False))
    x, y = randn(7, 5, seed=1), torch.tensor([0, 1, 2, 2, 1, 0, 1])
    w = layer.weight.detach().double().numpy()
    logits = x.numpy() @ w.T
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    grad = (p - np.eye(3)[y.numpy()]).T @ x.numpy() / len(x)  # d mean CE / dW
    assert grad_norm(layer, x, y) == pytest.approx(np.linalg.norm(grad), rel=1e-12)


def test_grad_norm_matches_autograd_with_batch_statistics_and_no_dropout():
    model = set_weights(nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3)))
    x, y = randn(6, 4, seed=2, dtype=torch.float32), torch.tensor([0, 1, 2, 0, 1, 2])
    manual = copy.deepcopy(model).double().train()
    manual[3].p = 0.0  # dropout off
    nn.functional.cross_entropy(manual(x.double()), y).backward()
    expected = math.sqrt(sum(float((p.grad**2).sum()) for p in manual.parameters()))
    assert grad_norm(model, x, y) == pytest.approx(expected, rel=1e-12)


# -- jacob_cov -----------------------------------------------------------------


def jacob_cov_formula(eigenvalues: np.ndarray) -> float:
    return float(-(np.log(eigenvalues + K) + 1 / (eigenvalues + K)).sum())


def test_jacob_cov_of_a_linear_model_has_a_closed_form():
    """Every sample has the same Jacobian 1^T W: the correlation matrix is all ones, eigenvalues n, 0, ..., 0."""
    n = 5
    got = jacob_cov(set_weights(nn.Linear(6, 3)), randn(n, 6))
    assert got == pytest.approx(jacob_cov_formula(np.array([n] + [0.0] * (n - 1))), rel=1e-9)


def test_jacob_cov_matches_a_hand_derived_jacobian():
    first, second = set_weights(nn.Linear(4, 7), 1), set_weights(nn.Linear(7, 3), 2)
    x = randn(6, 4, seed=3)
    w1, b1 = first.weight.detach().double().numpy(), first.bias.detach().double().numpy()
    w2 = second.weight.detach().double().numpy()
    # d sum(W2 tanh(W1 x + b1) + b2) / dx = (1^T W2 * (1 - tanh^2(W1 x + b1))) W1, one row per sample.
    jac = (w2.sum(0) * (1 - np.tanh(x.numpy() @ w1.T + b1) ** 2)) @ w1
    expected = jacob_cov_formula(np.linalg.eigvalsh(np.corrcoef(jac)))
    assert jacob_cov(nn.Sequential(first, nn.Tanh(), second), x) == pytest.approx(expected, rel=1e-9)


def test_jacob_cov_is_nan_when_a_jacobian_is_constant():
    assert math.isnan(jacob_cov(nn.Linear(1, 2), randn(4, 1)))  # one input feature: nothing to correlate
    flat = nn.Linear(3, 2)
    nn.init.zeros_(flat.weight)
    assert math.isnan(jacob_cov(flat, randn(4, 3)))


# -- proxy_scores on built models ----------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("type_", BLOCK_TYPES)
@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
def test_every_block_type_on_every_rank_gives_finite_scores(type_, shape, norm):
    a = NASSpace().repair(
        arch(
            block(type_, width=6, stride=2, norm=norm, skip=True, dropout=0.2, activation="gelu"),
            block(type_, width=6, norm=norm, activation="relu"),
            readout="flatten",
        ),
        shape,
    )
    scores = proxy_scores(a, random_splits(shape), batch_size=4)
    assert list(scores) == list(PROXIES)
    has_activation = any(b.type not in ("pool", "identity") for b in a.blocks)
    assert math.isnan(scores["naswot"]) == (not has_activation)
    assert all(math.isfinite(v) for name, v in scores.items() if name != "naswot" or has_activation), scores


def test_proxy_scores_are_deterministic_and_touch_nothing():
    data = load_data("digits")
    before = {k: v.copy() for k, v in vars(data).items() if isinstance(v, np.ndarray)}
    a = arch(block("conv", norm="batch", dropout=0.3), block("residual", stride=2), block("dense", width=16))
    first = proxy_scores(a, data, seed=3, batch_size=16)
    assert proxy_scores(a, data, seed=3, batch_size=16) == first
    assert all(math.isfinite(v) for v in first.values()), first
    assert proxy_scores(a, data, names=["grad_norm", "synflow"], seed=3, batch_size=16) == {
        "grad_norm": first["grad_norm"],
        "synflow": first["synflow"],
    }
    assert proxy_scores(a, data, seed=4, batch_size=16)["grad_norm"] != first["grad_norm"]
    assert all(np.array_equal(getattr(data, k), v) for k, v in before.items())


def test_model_functions_do_not_modify_their_arguments():
    # The in-place ReLU first would overwrite a batch that was not copied.
    layers = [nn.ReLU(inplace=True), nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(inplace=True), nn.Linear(8, 3)]
    model = set_weights(nn.Sequential(*layers))
    model.eval()
    state = copy.deepcopy(model.state_dict())
    x, y = randn(5, 4), torch.tensor([0, 1, 2, 0, 1])
    x_before = x.clone()
    synflow(model, (4,))
    naswot(model, x)
    grad_norm(model, x, y)
    jacob_cov(model, x)
    assert not model.training and all(not m.training for m in model.modules())
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters()) and model[1].weight.dtype == torch.float32
    assert torch.equal(x, x_before)


# -- bad input -----------------------------------------------------------------


def test_proxy_scores_rejects_bad_input():
    data = random_splits((5,), n=12)
    a = arch(block("dense", width=4))
    with pytest.raises(ValueError, match="unknown proxy name.*'snip'"):
        proxy_scores(a, data, names=["synflow", "snip"])
    with pytest.raises(ValueError, match="at least one proxy"):
        proxy_scores(a, data, names=[])
    with pytest.raises(ValueError, match="each proxy once"):
        proxy_scores(a, data, names=["naswot", "naswot"])
    with pytest.raises(TypeError, match="'names' must be a sequence"):
        proxy_scores(a, data, names="synflow")
    with pytest.raises(ValueError, match="'batch_size' must be an int >= 2"):
        proxy_scores(a, data, batch_size=1)
    n_train = len(data.y_train)
    with pytest.raises(ValueError, match=f"at most the {n_train} training samples"):
        proxy_scores(a, data, batch_size=n_train + 1)
    with pytest.raises(TypeError, match="'batch_size'"):
        proxy_scores(a, data, batch_size=4.0)
    with pytest.raises(TypeError, match="'data' must be a DataSplits"):
        proxy_scores(a, (data.x_train, data.y_train), batch_size=4)
    with pytest.raises(TypeError, match="'arch' must be an Architecture"):
        proxy_scores(a.to_dict(), data, batch_size=4)
    for seed in (-1, 2**63, None, 1.0):
        with pytest.raises(ValueError, match="'seed' must be an int"):
            proxy_scores(a, data, seed=seed, batch_size=4)
    with pytest.raises(ValueError, match="cannot follow flat features"):
        proxy_scores(arch(block("conv")), data, batch_size=4)  # a convolution on (features,) input


def test_model_functions_reject_bad_input():
    model = nn.Linear(3, 2)
    x, y = randn(4, 3, dtype=torch.float32), torch.tensor([0, 1, 1, 0])
    with pytest.raises(TypeError, match="'model' must be a torch.nn.Module"):
        naswot(lambda t: t, x)
    with pytest.raises(TypeError, match="'x' must be a floating-point torch.Tensor"):
        naswot(model, x.numpy())
    with pytest.raises(TypeError, match="'x' must be a floating-point"):
        jacob_cov(model, x.long())
    with pytest.raises(ValueError, match="'x' must have shape \\(batch, \\*input_shape\\)"):
        grad_norm(model, x[0], y)
    with pytest.raises(ValueError, match="at least 2 samples .*but it holds 0"):
        naswot(model, x[:0])
    with pytest.raises(ValueError, match="at least 2 samples .*but it holds 1"):
        jacob_cov(model, x[:1])
    with pytest.raises(TypeError, match="'y' must be an integer"):
        grad_norm(model, x, y.float())
    with pytest.raises(ValueError, match="'y' must have shape \\(4,\\)"):
        grad_norm(model, x, y[:3])
    with pytest.raises(ValueError, match="labels in 0 .. 1"):
        grad_norm(model, x, torch.tensor([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="logits of shape"):
        grad_norm(nn.Sequential(model, nn.Flatten(0)), x, y)
    with pytest.raises(ValueError, match="'input_shape' must have 1, 2 or 3"):
        synflow(model, (1, 1, 1, 3))
    with pytest.raises(TypeError, match="'input_shape'"):
        synflow(model, 3)
