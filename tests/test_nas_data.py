"""Data sets of the architecture search: the bundled digits, user arrays, checks, the split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evonas.nas.data import DataSplits, from_dataset, load_data


def _indexed(n: int, n_classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Features whose first value is the sample's index, so splits can be traced back."""
    rng = np.random.default_rng(seed)
    x = np.stack([np.arange(n), rng.normal(size=n)], axis=1).astype(np.float32)
    y = np.arange(n) % n_classes
    return x, y


def _indices(x: np.ndarray) -> np.ndarray:
    return x[:, 0].astype(np.int64)


# ------------------------------------------------------------------- digits


def test_digits_file_equals_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    ref = sklearn_datasets.load_digits()
    from evonas.nas import data

    with np.load(data._DIGITS) as f:
        assert f["x"].dtype == np.uint8 and f["y"].dtype == np.uint8
        np.testing.assert_array_equal(f["x"], ref.images)
        np.testing.assert_array_equal(f["y"], ref.target)


def test_digits_splits():
    d = load_data("digits")
    assert d.name == "digits" and d.input_shape == (1, 8, 8) and d.n_classes == 10
    assert d.sizes() == {"train": 1079, "val": 359, "test": 359}
    for x, y in ((d.x_train, d.y_train), (d.x_val, d.y_val), (d.x_test, d.y_test)):
        assert x.dtype == np.float32 and y.dtype == np.int64 and x.shape[1:] == (1, 8, 8)
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert set(np.unique(y)) == set(range(10))
    assert max(d.x_train.max(), d.x_val.max(), d.x_test.max()) == 1.0  # scaled by 16, not by the sample max
    # Every image lands in exactly one split: together the splits hold the bundled images, each once.
    from evonas.nas import data

    with np.load(data._DIGITS) as f:
        images = f["x"].reshape(len(f["x"]), -1).astype(np.float32) / 16
    split = np.concatenate([d.x_train, d.x_val, d.x_test]).reshape(len(images), -1)
    assert sorted(map(bytes, split)) == sorted(map(bytes, images))


def test_split_is_deterministic_for_a_seed():
    a, b, c = load_data(seed=3), load_data(seed=3), load_data(seed=4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.x_train, c.x_train)


# --------------------------------------------------------------- the split


@given(
    counts=st.lists(st.integers(1, 12), min_size=2, max_size=5),
    val_fraction=st.sampled_from([0.1, 0.2, 0.35]),
    test_fraction=st.sampled_from([0.0, 0.15, 0.3]),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_partitions_and_stratifies(counts, val_fraction, test_fraction, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    n = len(y)
    x = np.stack([np.arange(n), np.zeros(n)], axis=1).astype(np.float32)
    want = {"val": round(val_fraction * n), "test": round(test_fraction * n)}
    enough = (
        want["val"] >= 1 and (test_fraction == 0 or want["test"] >= 1) and want["val"] + want["test"] <= n - len(counts)
    )
    if not enough:
        with pytest.raises(ValueError, match="too few samples"):
            load_data((x, y), seed=seed, val_fraction=val_fraction, test_fraction=test_fraction)
        return
    d = load_data((x, y), seed=seed, val_fraction=val_fraction, test_fraction=test_fraction)
    parts = {"train": d.x_train, "val": d.x_val, "test": d.x_test}
    labels = {"train": d.y_train, "val": d.y_val, "test": d.y_test}
    ids = np.concatenate([_indices(p) for p in parts.values()])
    np.testing.assert_array_equal(np.sort(ids), np.arange(n))  # a partition
    for name, part in parts.items():
        np.testing.assert_array_equal(labels[name], y[_indices(part)])  # labels follow their samples
    assert len(d.y_val) == want["val"] and len(d.y_test) == want["test"]
    assert (np.bincount(d.y_train, minlength=len(counts)) >= 1).all()
    # Stratified: each class gets its proportional share up to one sample, when every class has
    # room for it (val is drawn first; every class keeps a training sample).
    room = np.asarray(counts) - 1
    for name in ("val", "test"):
        got = np.bincount(labels[name], minlength=len(counts))
        quota = want[name] * np.asarray(counts) / n
        if (room >= np.ceil(quota)).all():
            assert (np.abs(got - quota) < 1).all(), (name, got, quota)
        room = room - got


def test_a_given_test_set_is_kept_and_only_train_is_split():
    x, y = _indexed(60)
    xt, yt = _indexed(9, seed=1)
    d = load_data((x, y, xt, yt), test_fraction=0.5)
    np.testing.assert_array_equal(d.x_test, xt)
    np.testing.assert_array_equal(d.y_test, yt)
    assert d.sizes() == {"train": 48, "val": 12, "test": 9}


def test_inputs_are_not_modified():
    x, y = _indexed(30)
    x0, y0 = x.copy(), y.copy()
    d = load_data((x, y))
    d.x_train[:] = -1
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_float_labels_holding_integers_are_accepted():
    x, y = _indexed(30)
    d = load_data((x, y.astype(np.float64)))
    assert d.y_train.dtype == np.int64 and d.n_classes == 3


# --------------------------------------------------------------------- .npz


def test_npz_with_x_and_y(tmp_path):
    x, y = _indexed(40)
    path = tmp_path / "mine.npz"
    np.savez(path, x=x, y=y)
    for source in (path, str(path)):
        d = load_data(source, seed=1)
        assert d.name == "mine" and d.input_shape == (2,) and d.n_classes == 3
        ref = load_data((x, y), seed=1)
        np.testing.assert_array_equal(d.x_val, ref.x_val)


def test_npz_with_a_test_set(tmp_path):
    x, y = _indexed(40)
    xt, yt = _indexed(6, seed=2)
    path = tmp_path / "both.npz"
    np.savez(path, x_train=x, y_train=y, x_test=xt, y_test=yt)
    d = load_data(path)
    np.testing.assert_array_equal(d.x_test, xt)
    assert d.sizes()["train"] + d.sizes()["val"] == 40


def test_npz_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no data file"):
        load_data(tmp_path / "missing.npz")
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, features=np.zeros((4, 2)), labels=np.zeros(4))
    with pytest.raises(ValueError, match=r"must hold arrays 'x' and 'y'.*\['features', 'labels'\]"):
        load_data(wrong)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        load_data(single)
    text = tmp_path / "text.npz"
    text.write_text("not an archive")
    with pytest.raises(ValueError, match="could not be read"):
        load_data(text)


# ------------------------------------------------------------- bad data


def _bad_cases():
    x, y = _indexed(30)
    nan = x.copy()
    nan[7, 1] = np.nan
    inf = x.copy()
    inf[3, 0] = np.inf
    return [
        ((x, y[:-1]), ValueError, r"'y' must have shape \(30,\)"),
        ((x[:0], y[:0]), ValueError, "'x' is empty"),
        ((x[:, 0], y), ValueError, "'x' must have shape"),
        ((x.reshape(30, 1, 1, 1, 2), y), ValueError, "'x' must have shape"),
        ((np.zeros((30, 0)), y), ValueError, "must not be empty"),
        ((nan, y), ValueError, "sample 7 holds NaN or inf"),
        ((inf, y), ValueError, "sample 3 holds NaN or inf"),
        ((np.full((30, 2), 1e39), y), ValueError, "NaN or inf"),  # finite in float64, inf in float32
        ((x, np.zeros(30, int)), ValueError, "at least two classes"),
        ((x, y + 0.5), ValueError, "integer class labels, but label 0 is 0.5"),
        ((x, y - 1), ValueError, "labels >= 0"),
        ((x, y * 2), ValueError, r"class\(es\) \[1, 3\] have no sample"),
        ((x, y.astype(str)), TypeError, "'y' must hold integer class labels"),
        ((x.astype(str), y), TypeError, "'x' must hold real numbers"),
        ((x, y, x[:5, :1], y[:5]), ValueError, "'x_test' samples must have the shape"),
        ((x, y, x[:5], np.array([0, 1, 2, 3, 0])), ValueError, r"'y_test' labels must be in 0 \.\. 2"),
        ((x, y, x[:5], y[:4]), ValueError, r"'y_test' must have shape \(5,\)"),
        ((x[:3], np.array([0, 1, 0])), ValueError, "too few samples"),
        ((x, y, x), ValueError, r"\(x, y\) or \(x_train, y_train, x_test, y_test\)"),
    ]


@pytest.mark.parametrize("source, error, match", _bad_cases())
def test_bad_data_is_refused(source, error, match):
    with pytest.raises(error, match=match):
        load_data(source)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"val_fraction": 0.0}, ValueError, r"'val_fraction' must be in \(0, 1\)"),
        ({"val_fraction": 1.0}, ValueError, "'val_fraction'"),
        ({"test_fraction": -0.1}, ValueError, r"'test_fraction' must be in \[0, 1\)"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, ValueError, "must be below 1"),
        ({"val_fraction": "0.2"}, TypeError, "'val_fraction' must be a float"),
        ({"test_fraction": True}, TypeError, "'test_fraction' must be a float"),
        ({"seed": -1}, ValueError, "'seed'"),
        ({"seed": 1.5}, TypeError, "'seed'"),
    ],
)
def test_bad_options_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_data("digits", **kwargs)


def test_bad_source_type():
    with pytest.raises(TypeError, match="'source' must be 'digits', a path"):
        load_data(42)


# ----------------------------------------------------------- torch Datasets


def test_from_torch_datasets():
    torch = pytest.importorskip("torch")
    x, y = _indexed(50)
    xt, yt = _indexed(8, seed=5)
    train_ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    test_ds = torch.utils.data.TensorDataset(torch.from_numpy(xt), torch.from_numpy(yt))
    d = from_dataset(train_ds, seed=2, name="tensors")
    ref = load_data((x, y), seed=2)
    assert isinstance(d, DataSplits) and d.name == "tensors"
    np.testing.assert_array_equal(d.x_train, ref.x_train)
    np.testing.assert_array_equal(d.y_test, ref.y_test)
    d = from_dataset(train_ds, test_ds)
    np.testing.assert_array_equal(d.x_test, xt)


def test_from_dataset_errors():
    with pytest.raises(TypeError, match="map-style Dataset"):
        from_dataset(iter([]))
    with pytest.raises(ValueError, match="is empty"):
        from_dataset([])
    with pytest.raises(ValueError, match=r"item 0 must be an \(x, label\) pair"):
        from_dataset([np.zeros(2)])
    with pytest.raises(ValueError, match="same shape"):
        from_dataset([(np.zeros(2), 0), (np.zeros(3), 1)])
    with pytest.raises(TypeError, match="'name'"):
        from_dataset([(np.zeros(2), 0)], name="")
