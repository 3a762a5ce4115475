"""Weight inheritance between models named by role (evonas.nas.inherit)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from evonas.nas.inherit import InheritReport, inherit_weights  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_one_thread")


class Net(nn.Module):
    """blocks.{i}.<part> and head, like the models of build_model."""

    def __init__(self, widths=(8, 8), kernel=3, n_in=1, n_classes=3, norm="batch", seed=0):
        super().__init__()
        torch.manual_seed(seed)
        blocks, c = [], n_in
        for w in widths:
            parts = {"conv": nn.Conv2d(c, w, kernel, padding=kernel // 2)}
            parts["norm"] = nn.BatchNorm2d(w) if norm == "batch" else nn.GroupNorm(1, w)
            parts["act"] = nn.ReLU()
            blocks.append(nn.Sequential())
            for name, module in parts.items():
                blocks[-1].add_module(name, module)
            c = w
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(c, n_classes)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean(dim=(2, 3)))


def snapshot(module_or_state):
    state = module_or_state.state_dict() if isinstance(module_or_state, nn.Module) else module_or_state
    return {k: v.detach().clone() for k, v in state.items()}


def assert_same_state(a, b):
    assert list(a) == list(b)
    for key in a:
        assert torch.equal(a[key], b[key]), key


def trained_stats(net: Net) -> Net:
    """Run a few batches in training mode so that running statistics are not the defaults."""
    net.train()
    with torch.no_grad():
        for _ in range(2):
            net(torch.randn(4, net.blocks[0].conv.in_channels, 6, 6))
    return net


def test_same_architecture_copies_everything_exactly():
    parent, child = trained_stats(Net(seed=1)), Net(seed=2)
    report = inherit_weights(child, parent)
    assert report == InheritReport(copied=list(child.state_dict()), sliced=[], skipped=[])
    assert_same_state(snapshot(child), snapshot(parent))
    x = torch.randn(2, 1, 6, 6)
    parent.eval(), child.eval()
    assert torch.equal(child(x), parent(x))


def reference_overlap(child: np.ndarray, parent: np.ndarray, spatial_from: int | None) -> np.ndarray:
    """Brute force over every index of the child: where does its value come from?"""
    out = child.copy()
    offsets = []
    for dim, (c, p) in enumerate(zip(child.shape, parent.shape)):
        n = min(c, p)
        centred = spatial_from is not None and dim >= spatial_from
        offsets.append(((c - n) // 2, (p - n) // 2, n) if centred else (0, 0, n))
    for index in np.ndindex(*child.shape):
        src = []
        for i, (oc, op, n) in zip(index, offsets):
            if not oc <= i < oc + n:
                break
            src.append(i - oc + op)
        else:
            out[index] = parent[tuple(src)]
    return out


dims = st.integers(1, 5)


@given(st.tuples(dims, dims), st.tuples(dims, dims))
def test_linear_slices_match_reference(child_shape, parent_shape):
    child, parent = nn.Linear(child_shape[1], child_shape[0]), nn.Linear(parent_shape[1], parent_shape[0])
    before = snapshot(child)
    report = inherit_weights(child, parent)
    for key in ("weight", "bias"):
        expected = reference_overlap(before[key].numpy(), parent.state_dict()[key].numpy(), None)
        assert np.array_equal(child.state_dict()[key].numpy(), expected)
    assert sorted(report.copied + report.sliced) == ["bias", "weight"] and report.skipped == []
    assert ("weight" in report.copied) == (child_shape == parent_shape)


@given(
    st.tuples(dims, dims, st.sampled_from([1, 3, 5]), st.sampled_from([1, 3, 5])),
    st.tuples(dims, dims, st.sampled_from([1, 3, 5]), st.sampled_from([1, 3, 5])),
)
def test_conv_kernels_align_by_centre(child_shape, parent_shape):
    def conv(shape):
        out_c, in_c, kh, kw = shape
        return nn.Conv2d(in_c, out_c, (kh, kw), padding=(kh // 2, kw // 2))

    child, parent = conv(child_shape), conv(parent_shape)
    before = snapshot(child)
    inherit_weights(child, parent)
    expected = reference_overlap(before["weight"].numpy(), parent.weight.detach().numpy(), spatial_from=2)
    assert np.array_equal(child.weight.detach().numpy(), expected)


def test_a_centred_kernel_keeps_the_function_of_a_grown_kernel():
    parent, child = nn.Conv2d(2, 3, 3, padding=1), nn.Conv2d(2, 3, 5, padding=2)
    with torch.no_grad():
        child.weight.zero_()  # the ring around the inherited 3x3 centre contributes nothing
    inherit_weights(child, parent)
    x = torch.randn(1, 2, 7, 7)
    assert torch.allclose(child(x), parent(x), atol=1e-5)


def test_wider_child_and_batch_norm_statistics():
    parent = trained_stats(Net(widths=(4, 6), seed=1))
    child = Net(widths=(6, 6), seed=2)
    before = snapshot(child)
    report = inherit_weights(child, parent)
    state, p = child.state_dict(), parent.state_dict()
    assert report.sliced == [
        "blocks.0.conv.weight",
        "blocks.0.conv.bias",
        "blocks.0.norm.weight",
        "blocks.0.norm.bias",
        "blocks.0.norm.running_mean",
        "blocks.0.norm.running_var",
        "blocks.1.conv.weight",
    ]
    assert "blocks.0.norm.num_batches_tracked" in report.copied and report.skipped == []
    for key in ("running_mean", "running_var"):
        assert torch.equal(state[f"blocks.0.norm.{key}"][:4], p[f"blocks.0.norm.{key}"])
        assert torch.equal(state[f"blocks.0.norm.{key}"][4:], before[f"blocks.0.norm.{key}"][4:])
    assert torch.equal(state["blocks.1.conv.weight"][:, :4], p["blocks.1.conv.weight"])
    assert torch.equal(state["blocks.1.conv.weight"][:, 4:], before["blocks.1.conv.weight"][:, 4:])
    assert torch.equal(state["head.weight"], p["head.weight"])


def test_second_parent_fills_what_the_first_lacks():
    parent = Net(widths=(8,), seed=1)  # one block only
    second = Net(widths=(8, 8, 8), seed=3)
    child = Net(widths=(8, 8), seed=2)
    report = inherit_weights(child, parent.state_dict(), second_parent=second)
    state = child.state_dict()
    assert report.skipped == [] and report.sliced == []
    assert torch.equal(state["blocks.0.conv.weight"], parent.state_dict()["blocks.0.conv.weight"])
    assert torch.equal(state["blocks.1.conv.weight"], second.state_dict()["blocks.1.conv.weight"])


def test_an_exact_match_in_the_second_parent_beats_a_slice_of_the_first():
    parent, second, child = Net(widths=(4,), seed=1), Net(widths=(6,), seed=3), Net(widths=(6,), seed=2)
    report = inherit_weights(child, parent, second_parent=second)
    assert report.sliced == [] and report.copied == list(child.state_dict())
    expected = snapshot(second) | {"head.bias": parent.state_dict()["head.bias"]}  # exact in both: the first wins
    assert_same_state(snapshot(child), expected)


def test_rank_or_dtype_mismatch_and_missing_keys_are_skipped():
    child = Net(widths=(4,), seed=2)
    before = snapshot(child)
    parent = {
        "blocks.0.conv.weight": torch.ones(4, 1, 3),  # rank 3, child has rank 4
        "blocks.0.conv.bias": torch.ones(4, dtype=torch.float64),  # other dtype
        "head.bias": torch.full((5,), 2.0),  # grown: sliced
        "unrelated": torch.ones(1),
    }
    report = inherit_weights(child, parent)
    assert report.sliced == ["head.bias"] and report.copied == []
    assert report.skipped == [k for k in before if k != "head.bias"]
    after = snapshot(child)
    assert torch.equal(after["head.bias"], torch.full((3,), 2.0))
    assert all(torch.equal(after[k], before[k]) for k in report.skipped)


def test_empty_overlap_is_skipped():
    child = nn.Linear(3, 2)
    before = snapshot(child)
    report = inherit_weights(child, {"weight": torch.ones(0, 3), "bias": torch.ones(2)})
    assert report == InheritReport(copied=["bias"], sliced=[], skipped=["weight"])
    assert torch.equal(child.weight, before["weight"])


@given(st.lists(st.integers(1, 6), min_size=1, max_size=3), st.lists(st.integers(1, 6), min_size=1, max_size=3))
def test_parents_are_never_modified_and_results_are_deterministic(child_widths, parent_widths):
    parent = Net(widths=tuple(parent_widths), seed=1)
    second = Net(widths=tuple(parent_widths[::-1]), seed=3).state_dict()
    p_before, s_before = snapshot(parent), snapshot(second)
    children = [Net(widths=tuple(child_widths), seed=2) for _ in range(2)]
    reports = [inherit_weights(c, parent, second_parent=second) for c in children]
    assert reports[0] == reports[1]
    assert_same_state(snapshot(children[0]), snapshot(children[1]))
    assert_same_state(snapshot(parent), p_before)
    assert_same_state(snapshot(second), s_before)
    n_keys = len(children[0].state_dict())
    assert len(reports[0].copied) + len(reports[0].sliced) + len(reports[0].skipped) == n_keys


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (({"weight": torch.ones(1)}, nn.Linear(1, 1)), {}, "'child' must be a torch.nn.Module"),
        ((nn.Linear(1, 1), None), {}, "'parent' must be a torch.nn.Module or a state_dict, but it is None"),
        ((nn.Linear(1, 1), 3), {}, "'parent' must be a torch.nn.Module or a state_dict, but it is int"),
        ((nn.Linear(1, 1), {"weight": [1.0]}), {}, "'parent' must map str keys to tensors"),
        ((nn.Linear(1, 1), nn.Linear(1, 1)), {"second_parent": "x"}, "'second_parent'"),
    ],
)
def test_bad_arguments(args, kwargs, match):
    with pytest.raises(TypeError, match=match):
        inherit_weights(*args, **kwargs)
