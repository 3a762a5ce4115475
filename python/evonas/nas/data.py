"""Data sets for the architecture search: loading, checking and a stratified split.

Everything is checked here, before any training starts, so that a bad data set
fails once with a clear message instead of once per candidate. Splits are plain
numpy arrays (features float32, labels int64); the trainer turns them into
tensors.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import as_seed

__all__ = ["DataSplits", "load_data", "from_dataset"]

_DIGITS = Path(__file__).resolve().parent / "datasets" / "digits.npz"
_DIGITS_MAX = 16.0  # the digits pixels are counts 0..16 (4x4 blocks of an 8x8 grid)


@dataclass
class DataSplits:
    """Train, validation and test arrays with what a model builder needs to know.

    Attributes
    ----------
    x_train, x_val, x_test : numpy.ndarray, float32, shape (n, *input_shape)
    y_train, y_val, y_test : numpy.ndarray, int64, shape (n,)
        Class labels in ``0 .. n_classes - 1``. ``x_test`` is empty when the
        split was asked with ``test_fraction=0``.
    input_shape : tuple of int
        Shape of one sample: ``(features,)``, ``(channels, length)`` or
        ``(channels, height, width)``.
    n_classes : int
    name : str
        ``"digits"``, the stem of the ``.npz`` file, ``"arrays"`` or the name
        given to :func:`from_dataset`.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple[int, ...]
    n_classes: int
    name: str

    def sizes(self) -> dict[str, int]:
        """Number of samples in each split."""
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}


def load_data(
    source: Any = "digits",
    *,
    seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
) -> DataSplits:
    """Load, check and split a classification data set.

    Parameters
    ----------
    source : "digits", str or os.PathLike, or tuple of arrays
        ``"digits"``: the 1797 8x8 handwritten digits bundled with evonas (a
        copy of scikit-learn's ``load_digits``; nothing is downloaded), as
        float32 images of shape (1, 8, 8) scaled to [0, 1].
        A path to an ``.npz`` file holding either ``x`` and ``y`` or
        ``x_train``, ``y_train``, ``x_test`` and ``y_test``.
        A tuple ``(x, y)`` or ``(x_train, y_train, x_test, y_test)``.
        User features are converted to float32 as they are (not rescaled);
        labels must be integers ``0 .. n_classes - 1`` with every class present
        in the training data.
    seed : int
        Seeds the split; the same seed gives the same split.
    val_fraction : float in (0, 1)
        Share of the training data held out for validation (early stopping and
        the search's accuracy objective).
    test_fraction : float in [0, 1)
        Share of the data held out for the final test; not used when the
        source provides its own test set.

    Returns
    -------
    DataSplits

    Raises
    ------
    TypeError
        If `source` is of an unsupported type or an array is not numeric.
    FileNotFoundError
        If `source` names a file that does not exist.
    ValueError
        If the data is empty, has mismatched lengths or sample shapes, holds
        NaN or inf, has fewer than two classes, labels that are not integers
        in ``0 .. n_classes - 1``, or too few samples for the split.

    Notes
    -----
    The split is stratified: every split holds each class in the proportion
    of the whole, up to one sample per class (largest remainders), and every
    class keeps at least one training sample.
    """
    seed = as_seed(seed)
    val_fraction, test_fraction = _fractions(val_fraction, test_fraction)
    name, arrays = _read_source(source)
    return _split(arrays, name, seed=seed, val_fraction=val_fraction, test_fraction=test_fraction)


def from_dataset(
    train_ds: Any,
    test_ds: Any = None,
    *,
    seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    name: str = "dataset",
) -> DataSplits:
    """Split map-style torch Datasets (indexable, with ``len``) of ``(x, label)`` pairs.

    The samples are read once into memory. With `test_ds`, its samples form
    the test split and `test_fraction` is not used. See :func:`load_data` for
    the checks and the split.
    """
    seed = as_seed(seed)
    val_fraction, test_fraction = _fractions(val_fraction, test_fraction)
    if not isinstance(name, str) or not name:
        raise TypeError(f"'name' must be a non-empty str, but it is {name!r}")
    arrays = _dataset_arrays(train_ds, "train_ds")
    if test_ds is not None:
        arrays = arrays + _dataset_arrays(test_ds, "test_ds")
    return _split(arrays, name, seed=seed, val_fraction=val_fraction, test_fraction=test_fraction)


# ----------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------


def _fractions(val_fraction: Any, test_fraction: Any) -> tuple[float, float]:
    for value, label in ((val_fraction, "val_fraction"), (test_fraction, "test_fraction")):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"'{label}' must be a float, but it is {value!r}")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"'val_fraction' must be in (0, 1), but it is {val_fraction}")
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"'test_fraction' must be in [0, 1), but it is {test_fraction}")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"'val_fraction' + 'test_fraction' must be below 1 (data must be left to train on), "
            f"but they add up to {val_fraction + test_fraction}"
        )
    return float(val_fraction), float(test_fraction)


def _read_source(source: Any) -> tuple[str, tuple[Any, ...]]:
    if isinstance(source, str) and source == "digits":
        with np.load(_DIGITS) as f:
            x = (f["x"].astype(np.float32) / _DIGITS_MAX)[:, None, :, :]
            return "digits", (x, f["y"])
    if isinstance(source, (str, os.PathLike)):
        return _read_npz(Path(source))
    if isinstance(source, (tuple, list)):
        if len(source) not in (2, 4):
            raise ValueError(
                f"'source' as a sequence must be (x, y) or (x_train, y_train, x_test, y_test), "
                f"but it has {len(source)} item(s)"
            )
        return "arrays", tuple(source)
    raise TypeError(
        f"'source' must be 'digits', a path to an .npz file or a tuple of arrays, but it is {type(source).__name__}"
    )


def _read_npz(path: Path) -> tuple[str, tuple[np.ndarray, ...]]:
    if not path.is_file():
        raise FileNotFoundError(f"'source': no data file at {str(path)!r} (expected 'digits' or an .npz file)")
    try:
        f = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"'source': {str(path)!r} could not be read as an .npz file: {exc}") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise ValueError(f"'source': {str(path)!r} holds a single array, but an .npz file with named arrays is expected")
    with f:
        keys = set(f.files)
        for layout in (("x_train", "y_train", "x_test", "y_test"), ("x", "y")):
            if keys.issuperset(layout):
                return path.stem, tuple(f[k] for k in layout)
    raise ValueError(
        f"'source': {str(path)!r} must hold arrays 'x' and 'y', or 'x_train', 'y_train', 'x_test' and 'y_test', "
        f"but it holds {sorted(keys)}"
    )


def _dataset_arrays(ds: Any, label: str) -> tuple[np.ndarray, np.ndarray]:
    if not (hasattr(ds, "__len__") and hasattr(ds, "__getitem__")):
        raise TypeError(
            f"'{label}' must be a map-style Dataset (with __len__ and __getitem__), but it is {type(ds).__name__}"
        )
    xs, ys = [], []
    for i in range(len(ds)):
        item = ds[i]
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ValueError(f"'{label}' item {i} must be an (x, label) pair, but it is {type(item).__name__}")
        xs.append(_to_numpy(item[0]))
        ys.append(_to_numpy(item[1]))
    shapes = {x.shape for x in xs}
    if len(shapes) > 1:
        raise ValueError(f"'{label}' samples must all have the same shape, but it has shapes {sorted(shapes)}")
    if not xs:
        return np.zeros((0, 1), np.float32), np.zeros(0, np.int64)
    return np.stack(xs), np.stack(ys)


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, read without importing torch here
        value = value.detach().cpu().numpy()
    return np.asarray(value)


# ----------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------


def _features(x: Any, label: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"'{label}' must hold real numbers, but its dtype is {arr.dtype}")
    if arr.ndim < 2 or arr.ndim > 4:
        raise ValueError(
            f"'{label}' must have shape (n, features), (n, channels, length) or (n, channels, height, width), "
            f"but it has shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"'{label}' is empty: it must hold at least one sample")
    if 0 in arr.shape[1:]:
        raise ValueError(f"'{label}' samples must not be empty, but they have shape {arr.shape[1:]}")
    with np.errstate(over="ignore"):  # values beyond float32 become inf, refused just below
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr.reshape(len(arr), -1)))[0, 0])
        raise ValueError(f"'{label}' must be finite, but sample {bad} holds NaN or inf (after conversion to float32)")
    return arr


def _labels(y: Any, n: int, label: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"'{label}' must hold integer class labels, but its dtype is {arr.dtype}")
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"'{label}' must have shape ({n},) (one label per sample), but it has shape {arr.shape}")
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr))
        if not whole.all():
            bad = int(np.argmin(whole))
            raise ValueError(f"'{label}' must hold integer class labels, but label {bad} is {arr[bad]}")
    if arr.min() < 0:
        raise ValueError(f"'{label}' must hold class labels >= 0, but it holds {arr.min()}")
    return arr.astype(np.int64)


def _checked(arrays: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    has_test = len(arrays) == 4
    xl, yl = ("x_train", "y_train") if has_test else ("x", "y")
    x = _features(arrays[0], xl)
    y = _labels(arrays[1], len(x), yl)
    n_classes = int(y.max()) + 1
    counts = np.bincount(y, minlength=n_classes)
    if np.count_nonzero(counts) < 2:
        raise ValueError(f"'{yl}' must hold at least two classes, but every label is {int(y[0])}")
    if (counts == 0).any():
        missing = np.flatnonzero(counts == 0).tolist()
        raise ValueError(
            f"'{yl}' must hold every class 0 .. {n_classes - 1} (labels are class indices), but class(es) "
            f"{missing} have no sample; renumber them, e.g. with numpy.unique(y, return_inverse=True)"
        )
    if not has_test:
        return x, y, None, None
    x_test = _features(arrays[2], "x_test")
    if x_test.shape[1:] != x.shape[1:]:
        raise ValueError(
            f"'x_test' samples must have the shape of the training samples {x.shape[1:]}, but they have {x_test.shape[1:]}"
        )
    y_test = _labels(arrays[3], len(x_test), "y_test")
    if y_test.max() >= n_classes:
        raise ValueError(
            f"'y_test' labels must be in 0 .. {n_classes - 1} (the classes of the training data), "
            f"but it holds {int(y_test.max())}"
        )
    return x, y, x_test, y_test


# ----------------------------------------------------------------------------
# Stratified split
# ----------------------------------------------------------------------------


def _allocate(counts: np.ndarray, total: int, capacity: np.ndarray) -> np.ndarray | None:
    """Per-class sample counts adding up to `total`, proportional to `counts`.

    Largest-remainder rounding, never above `capacity`; None when the
    capacities add up to less than `total`.
    """
    if capacity.sum() < total:
        return None
    quota = total * counts / counts.sum()
    take = np.minimum(np.floor(quota).astype(np.int64), capacity)
    order = np.argsort(-(quota - np.floor(quota)), kind="stable")
    while take.sum() < total:  # at most a few passes: each adds one per class with room
        for c in order:
            if take.sum() == total:
                break
            if take[c] < capacity[c]:
                take[c] += 1
    return take


def _split_indices(
    y: np.ndarray, fractions: tuple[float, ...], rng: np.random.Generator, label: str
) -> list[np.ndarray]:
    """Indices of the training part and one held-out part per fraction."""
    counts = np.bincount(y)
    capacity = counts - 1  # every class keeps one training sample
    takes = []
    for fraction, part in zip(fractions, ("val", "test")):
        total = int(round(fraction * len(y)))
        if fraction > 0 and total == 0:
            raise ValueError(
                f"too few samples for the split: {part}_fraction={fraction} of {len(y)} '{label}' samples "
                f"rounds to 0; use more data or a larger {part}_fraction"
            )
        take = _allocate(counts, total, capacity)
        if take is None:
            raise ValueError(
                f"too few samples for the split: {len(y)} '{label}' samples in {len(counts)} classes cannot give "
                f"{total} {part} samples while every class keeps a training sample"
            )
        capacity = capacity - take
        takes.append(take)
    parts: list[list[np.ndarray]] = [[] for _ in range(len(fractions) + 1)]
    for c in range(len(counts)):
        members = rng.permutation(np.flatnonzero(y == c))
        start = 0
        for k, take in enumerate(takes):
            parts[k + 1].append(members[start : start + take[c]])
            start += take[c]
        parts[0].append(members[start:])
    return [np.sort(np.concatenate(p)) for p in parts]


def _split(
    arrays: tuple[Any, ...], name: str, *, seed: int, val_fraction: float, test_fraction: float
) -> DataSplits:
    x, y, x_test, y_test = _checked(arrays)
    rng = np.random.default_rng(seed)
    if x_test is None:
        train, val, test = _split_indices(y, (val_fraction, test_fraction), rng, "y")
        x_test, y_test = x[test], y[test]
    else:
        train, val = _split_indices(y, (val_fraction,), rng, "y_train")
    return DataSplits(
        x_train=x[train],
        y_train=y[train],
        x_val=x[val],
        y_val=y[val],
        x_test=x_test,
        y_test=y_test,
        input_shape=tuple(int(s) for s in x.shape[1:]),
        n_classes=int(y.max()) + 1,
        name=name,
    )
