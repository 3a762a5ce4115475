"""Training and evaluation of one candidate model.

A candidate that fails (an exception, a non-finite loss, out of memory, its
time limit) is reported in the returned :class:`TrainResult`, never raised out
of :meth:`Trainer.fit`: one bad architecture must not stop a search.

Choices worth knowing
---------------------
Determinism
    On CPU the same model, data and config give a bit-identical training
    curve. Shuffling draws from a private ``torch.Generator`` seeded with
    ``config.seed``; the global torch generator (used by dropout) is set from
    a state the trainer keeps and is restored afterwards
    (``torch.random.fork_rng``), so nothing outside the trainer changes.
    The trainer does not change the number of torch threads (process-wide
    state; the evaluation layer sets it per worker): identical results need
    the same thread count. On CUDA, kernels are not forced deterministic.
Continuation
    ``fit(a)`` then ``fit(b)`` trains exactly as ``fit(a + b)`` on CPU
    (bit-identical): the optimiser state, the epoch count, the generators,
    the early-stopping state and the last weights persist between calls. When
    a call ends, the model holds the weights of the best epoch; the next call
    resumes from the last epoch's weights. Do not change the model's structure
    between calls. Once early stopping or a failure has ended training,
    further calls train no more and return the same result.
Early stopping
    The best epoch has the highest validation accuracy, ties broken by the
    lower validation loss. Training stops after `patience` epochs without a
    better one (``patience=0`` turns early stopping off).
Regularisation
    The L1 penalty ``l1 * sum(|w|)`` covers weight tensors (those with two or
    more dimensions: linear and convolution weights), not biases or
    normalisation parameters; weight decay applies to the same tensors, through
    the optimiser: decoupled for AdamW, added to the gradient (L2) for SGD
    (momentum 0.9), Adam and RMSprop. The reported training loss includes the
    L1 penalty; the validation loss is the cross-entropy alone.
Batches
    A last training batch of a single sample is dropped (batch normalisation
    cannot train on it). Evaluation runs in batches under
    ``torch.inference_mode``.
Mixed precision
    On CUDA (``amp=None`` or True): bfloat16 autocast where the device
    supports it, else float16 with gradient scaling.
Time limit
    ``time_limit`` bounds each call to ``fit``; it is checked after every
    optimiser step and every evaluation, so one step that hangs is not cut.
Peak memory
    CUDA: ``torch.cuda.max_memory_allocated`` over the call (reset when it
    starts), which counts every tensor alive on the device, the model's and
    the data's included. CPU: the bytes of the parameters and buffers, their
    gradients, the optimiser state and the tensors saved for backward in one
    training step on a full batch (counted with
    ``torch.autograd.graph.saved_tensors_hooks``, each storage once, parameters
    excluded): the tensor memory a step needs, without allocator overhead
    or short-lived temporaries.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import as_positive_int, as_seed
from .data import DataSplits

__all__ = ["TrainConfig", "TrainResult", "Trainer", "train"]

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
STATUSES = ("ok", "failed", "nan", "oom", "timeout")
_ARCH_FIELDS = ("optimizer", "lr", "weight_decay", "l1", "batch_size", "epochs", "patience")
_EVAL_BATCH = 1024
_SGD_MOMENTUM = 0.9


@dataclass(frozen=True)
class TrainConfig:
    """How to train one candidate.

    Parameters
    ----------
    optimizer : {"sgd", "adam", "adamw", "rmsprop"}
    lr : float > 0
    weight_decay : float >= 0
        Decoupled for AdamW, L2 through the gradient otherwise.
    l1 : float >= 0
        L1 penalty on the weight tensors, added to the loss.
    batch_size : int >= 1
    epochs : int >= 1
        Epochs trained by ``fit()`` when it is given no number.
    patience : int >= 0
        Epochs without improvement before early stopping; 0 turns it off.
    seed : int
        Shuffling and dropout.
    device : str
        "cpu", "cuda", "cuda:N" or "auto" (CUDA when torch sees a device).
    amp : bool or None
        Mixed precision; None: on for CUDA, off on CPU. Needs CUDA.
    time_limit : float or None
        Seconds allowed for each call to ``fit``.
    """

    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    l1: float = 0.0
    batch_size: int = 64
    epochs: int = 20
    patience: int = 5
    seed: int = 0
    device: str = "cpu"
    amp: bool | None = None
    time_limit: float | None = None

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"'optimizer' must be one of {OPTIMIZERS}, but it is {self.optimizer!r}")
        _check_real(self.lr, "lr", positive=True)
        _check_real(self.weight_decay, "weight_decay")
        _check_real(self.l1, "l1")
        as_positive_int(self.batch_size, "batch_size")
        as_positive_int(self.epochs, "epochs")
        if isinstance(self.patience, bool) or not isinstance(self.patience, numbers.Integral) or self.patience < 0:
            raise ValueError(f"'patience' must be an int >= 0, but it is {self.patience!r}")
        as_seed(self.seed)
        if not isinstance(self.device, str):
            raise TypeError(f"'device' must be a str such as 'cpu', 'cuda' or 'auto', but it is {self.device!r}")
        if self.amp is not None and not isinstance(self.amp, bool):
            raise TypeError(f"'amp' must be None, True or False, but it is {self.amp!r}")
        if self.time_limit is not None:
            _check_real(self.time_limit, "time_limit", positive=True)

    @classmethod
    def from_architecture(cls, arch: Any, **overrides: Any) -> TrainConfig:
        """The training settings an Architecture carries, with `overrides` on top."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(f"unknown TrainConfig field(s) {unknown}; the fields are {sorted(names)}")
        values = {name: getattr(arch, name) for name in _ARCH_FIELDS}
        values.update(overrides)
        return cls(**values)


def _check_real(value: Any, name: str, *, positive: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"'{name}' must be a float, but it is {value!r}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"'{name}' must be a finite float {'> 0' if positive else '>= 0'}, but it is {value}")


@dataclass
class TrainResult:
    """What training one candidate gave.

    Attributes
    ----------
    status : {"ok", "failed", "nan", "oom", "timeout"}
    error : str or None
        The failure, as ``"ExceptionType: message"`` or a sentence.
    val_accuracy, val_loss, train_loss : float
        Of the best epoch, whose weights the model holds; NaN before any
        epoch completed.
    curve : list of dict
        One entry per epoch: epoch, train_loss, val_loss, val_accuracy,
        seconds (the epoch's training and validation time).
    epochs_run : int
        Over all calls to ``fit``.
    best_epoch : int
        1-based; 0 when no epoch completed.
    seconds : float
        Wall time of all calls to ``fit``.
    peak_memory_bytes : int
        See the module notes for how it is measured on each device.
    stopped_early : bool
        Early stopping ended training.
    """

    status: str
    error: str | None
    val_accuracy: float
    val_loss: float
    train_loss: float
    curve: list[dict[str, float]] = field(default_factory=list)
    epochs_run: int = 0
    best_epoch: int = 0
    seconds: float = 0.0
    peak_memory_bytes: int = 0
    stopped_early: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _TimeLimit(Exception):
    pass


class _NonFinite(Exception):
    pass


class Trainer:
    """Trains one model on a :class:`DataSplits`, resumable across calls.

    Parameters
    ----------
    model : torch.nn.Module
        Takes a batch of shape (batch, *data.input_shape) and returns logits of
        shape (batch, data.n_classes). Moved to the config's device.
    data : DataSplits
    config : TrainConfig
    after_step : callable, optional
        ``after_step(model)`` runs after every optimiser step (pruning keeps
        its masks applied with it).

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a device that is not available. Failures of
        the training itself are reported by :meth:`fit`, never raised.
    """

    def __init__(
        self,
        model: nn.Module,
        data: DataSplits,
        config: TrainConfig,
        *,
        after_step: Callable[[nn.Module], None] | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"'model' must be a torch.nn.Module, but it is {type(model).__name__}")
        if not isinstance(data, DataSplits):
            raise TypeError(f"'data' must be a DataSplits (see evonas.nas.data.load_data), but it is {type(data).__name__}")
        if not isinstance(config, TrainConfig):
            raise TypeError(f"'config' must be a TrainConfig, but it is {type(config).__name__}")
        if after_step is not None and not callable(after_step):
            raise TypeError(f"'after_step' must be None or a callable taking the model, but it is {after_step!r}")
        self.model = model
        self.data = data
        self.config = config
        self.device = _resolve_device(config.device)
        use_amp = self.device.type == "cuda" if config.amp is None else config.amp
        if use_amp and self.device.type != "cuda":
            raise ValueError("'amp' (mixed precision) needs a CUDA device, but the config's device is the CPU")
        self._amp_dtype = _amp_dtype() if use_amp else None
        self._after_step = after_step
        self._shuffle = torch.Generator().manual_seed(config.seed)
        # The global generators' states used for dropout, kept between calls.
        self._rng_state = torch.Generator().manual_seed(config.seed).get_state()
        self._cuda_rng_state: torch.Tensor | None = None
        self._ready = False
        self._optimizer: torch.optim.Optimizer | None = None
        self._scaler: torch.amp.GradScaler | None = None
        self._tensors: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        self._best_state: dict[str, torch.Tensor] | None = None
        self._last_state: dict[str, torch.Tensor] | None = None
        self._best_key = (-math.inf, -math.inf)
        self._since_best = 0
        self._peak = 0
        self._result = TrainResult("ok", None, math.nan, math.nan, math.nan)

    # ------------------------------------------------------------------ public

    def fit(self, n_epochs: int | None = None) -> TrainResult:
        """Train up to `n_epochs` more epochs (default ``config.epochs``).

        Returns
        -------
        TrainResult
            A copy; the model holds the best epoch's weights.
        """
        n_epochs = self.config.epochs if n_epochs is None else as_positive_int(n_epochs, "n_epochs")
        if self._result.status != "ok" or self._result.stopped_early:
            return self._snapshot()
        start = time.perf_counter()
        deadline = None if self.config.time_limit is None else start + self.config.time_limit
        try:
            with torch.random.fork_rng(devices=self._rng_devices()):
                self._enter_rng()
                try:
                    self._setup()
                    self._run(n_epochs, deadline)
                finally:
                    self._leave_rng()
                    self._keep_best()  # inside the try: its own failure (e.g. OOM) is reported too
        except _TimeLimit:
            self._set_failure("timeout", f"time limit of {self.config.time_limit} s reached")
        except _NonFinite as exc:
            self._set_failure("nan", str(exc))
        except (torch.cuda.OutOfMemoryError, MemoryError) as exc:
            self._set_failure("oom", f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 -- any failure of a candidate is a result
            status = "oom" if "out of memory" in str(exc).lower() else "failed"
            self._set_failure(status, f"{type(exc).__name__}: {exc}")
        finally:
            self._result.seconds += time.perf_counter() - start
            self._result.peak_memory_bytes = max(self._result.peak_memory_bytes, self._measured_peak())
        return self._snapshot()

    def evaluate(self, split: str = "val") -> tuple[float, float]:
        """Accuracy and mean cross-entropy of the model on a split.

        Parameters
        ----------
        split : {"train", "val", "test"}

        Raises
        ------
        ValueError
            If `split` is unknown or empty.
        """
        if split not in ("train", "val", "test"):
            raise ValueError(f"'split' must be 'train', 'val' or 'test', but it is {split!r}")
        if len(getattr(self.data, f"y_{split}")) == 0:
            raise ValueError(f"the {split!r} split is empty (test_fraction=0 gives no test split)")
        self._setup()
        return self._evaluate(split)

    # ---------------------------------------------------------------- training

    def _setup(self) -> None:
        if self._ready:
            return
        self.model.to(self.device)
        for split in ("train", "val", "test"):
            x = _as_tensor(getattr(self.data, f"x_{split}"), np.float32).to(self.device)
            y = _as_tensor(getattr(self.data, f"y_{split}"), np.int64).to(self.device)
            self._tensors[split] = (x, y)
        self._optimizer = _make_optimizer(self.model, self.config)
        if self._amp_dtype == torch.float16:
            self._scaler = torch.amp.GradScaler("cuda")
        self._ready = True

    def _run(self, n_epochs: int, deadline: float | None) -> None:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        if self._last_state is not None:  # resume from the last epoch, not the best
            self.model.load_state_dict(self._last_state)
        for _ in range(n_epochs):
            t0 = time.perf_counter()
            train_loss = self._train_epoch(deadline)
            val_accuracy, val_loss = self._evaluate("val")
            _check_deadline(deadline)
            epoch = self._result.epochs_run + 1
            entry = {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_loss": val_loss,
                "val_accuracy": val_accuracy,
                "seconds": time.perf_counter() - t0,
            }
            self._result.curve.append(entry)
            self._result.epochs_run = epoch
            if not math.isfinite(val_loss):
                raise _NonFinite(f"validation loss is {val_loss} after epoch {epoch}")
            self._record_epoch(entry)
            if self.config.patience and self._since_best >= self.config.patience:
                self._result.stopped_early = True
                break

    def _train_epoch(self, deadline: float | None) -> float:
        model, optimizer, config = self.model, self._optimizer, self.config
        x, y = self._tensors["train"]
        n = len(y)
        order = torch.randperm(n, generator=self._shuffle).to(self.device)
        n_used = n - 1 if n % config.batch_size == 1 and n > 1 else n  # no batch of one sample
        weights = [p for p in model.parameters() if p.ndim > 1]
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        model.train()
        for start in range(0, n_used, config.batch_size):
            idx = order[start : min(start + config.batch_size, n_used)]
            measure = self._peak == 0 and self.device.type == "cpu"
            with _SavedTensorBytes(model) if measure else contextlib.nullcontext() as saved:
                with torch.autocast(self.device.type, dtype=self._amp_dtype, enabled=self._amp_dtype is not None):
                    loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
                if config.l1:
                    loss = loss + config.l1 * sum(w.abs().sum() for w in weights)
                optimizer.zero_grad(set_to_none=True)
                if self._scaler is None:
                    loss.backward()
                    optimizer.step()
                else:
                    self._scaler.scale(loss).backward()
                    self._scaler.step(optimizer)
                    self._scaler.update()
            if measure:
                self._peak = saved.bytes + _state_bytes(model, optimizer)
            if self._after_step is not None:
                self._after_step(model)
            total += loss.detach().double() * len(idx)
            _check_deadline(deadline)
        mean = float(total) / n_used
        if not math.isfinite(mean):
            raise _NonFinite(f"training loss is {mean} in epoch {self._result.epochs_run + 1}")
        return mean

    def _evaluate(self, split: str) -> tuple[float, float]:
        x, y = self._tensors[split]
        was_training = self.model.training
        self.model.eval()
        correct = torch.zeros((), dtype=torch.int64, device=self.device)
        loss = torch.zeros((), dtype=torch.float64, device=self.device)
        try:
            with torch.inference_mode():
                for start in range(0, len(y), _EVAL_BATCH):
                    xb, yb = x[start : start + _EVAL_BATCH], y[start : start + _EVAL_BATCH]
                    with torch.autocast(self.device.type, dtype=self._amp_dtype, enabled=self._amp_dtype is not None):
                        logits = self.model(xb)
                    logits = logits.float()
                    loss += nn.functional.cross_entropy(logits, yb, reduction="sum").double()
                    correct += (logits.argmax(dim=1) == yb).sum()
        finally:
            self.model.train(was_training)
        return int(correct) / len(y), float(loss) / len(y)

    def _record_epoch(self, entry: dict[str, float]) -> None:
        key = (entry["val_accuracy"], -entry["val_loss"])
        if key > self._best_key:
            self._best_key = key
            self._since_best = 0
            self._best_state = _copy_state(self.model)
            r = self._result
            r.val_accuracy, r.val_loss, r.train_loss = entry["val_accuracy"], entry["val_loss"], entry["train_loss"]
            r.best_epoch = int(entry["epoch"])
        else:
            self._since_best += 1

    def _keep_best(self) -> None:
        """Leave the best weights in the model and keep the last ones to resume from."""
        if self._best_state is None:
            return
        self._last_state = _copy_state(self.model)
        self.model.load_state_dict(self._best_state)

    def _set_failure(self, status: str, error: str) -> None:
        self._result.status = status
        self._result.error = error
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def _snapshot(self) -> TrainResult:
        return dataclasses.replace(self._result, curve=[dict(e) for e in self._result.curve])

    def _measured_peak(self) -> int:
        if self.device.type == "cuda" and self._ready:
            return int(torch.cuda.max_memory_allocated(self.device))
        return self._peak

    # ------------------------------------------------------------------- RNG

    def _rng_devices(self) -> list[int]:
        return [self.device.index or 0] if self.device.type == "cuda" else []

    def _enter_rng(self) -> None:
        torch.set_rng_state(self._rng_state)
        if self.device.type == "cuda":
            if self._cuda_rng_state is None:
                with torch.cuda.device(self.device):
                    torch.cuda.manual_seed(self.config.seed)
            else:
                torch.cuda.set_rng_state(self._cuda_rng_state, self.device)

    def _leave_rng(self) -> None:
        self._rng_state = torch.get_rng_state()
        if self.device.type == "cuda":
            self._cuda_rng_state = torch.cuda.get_rng_state(self.device)


def train(
    model: nn.Module,
    data: DataSplits,
    config: TrainConfig,
    *,
    after_step: Callable[[nn.Module], None] | None = None,
) -> TrainResult:
    """Train `model` for ``config.epochs`` epochs (or until early stopping); see :class:`Trainer`."""
    return Trainer(model, data, config, after_step=after_step).fit()


# ---------------------------------------------------------------------- helpers


def _resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise ValueError(f"'device' must be 'cpu', 'cuda', 'cuda:N' or 'auto', but it is {device!r}") from None
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"'device' must be 'cpu', 'cuda', 'cuda:N' or 'auto', but it is {device!r}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"'device' is {device!r}, but torch sees no CUDA device (use 'cpu' or 'auto')")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"'device' is {device!r}, but torch sees {torch.cuda.device_count()} CUDA device(s)")
    return dev


def _amp_dtype() -> torch.dtype:
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    weights = [p for p in model.parameters() if p.ndim > 1]
    others = [p for p in model.parameters() if p.ndim <= 1]
    groups = [{"params": weights, "weight_decay": config.weight_decay}, {"params": others, "weight_decay": 0.0}]
    groups = [g for g in groups if g["params"]]
    if not groups:
        raise ValueError("the model has no parameters to train")
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=_SGD_MOMENTUM)
    if config.optimizer == "adam":
        return torch.optim.Adam(groups, lr=config.lr)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=config.lr)
    return torch.optim.RMSprop(groups, lr=config.lr)


def _as_tensor(arr: np.ndarray, dtype: type) -> torch.Tensor:
    """A copy with canonical C strides in torch's own memory.

    numpy calls an array with a size-1 axis contiguous whatever that axis's
    stride; torch keeps the stride and may then pick another kernel (e.g. a
    channels-last convolution) that rounds differently. Without this copy the
    same seed gave different curves for the loaded data and for the same data
    after a pickle round trip (as worker processes receive it).
    """
    canonical = np.empty(arr.shape, dtype=dtype)
    canonical[...] = arr
    return torch.from_numpy(canonical)


def _copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.perf_counter() > deadline:
        raise _TimeLimit


def _tensor_bytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def _state_bytes(model: nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Parameters, buffers, gradients and optimiser state of a model, in bytes."""
    total = sum(_tensor_bytes(p) for p in model.parameters())
    total += sum(_tensor_bytes(b) for b in model.buffers())
    total += sum(_tensor_bytes(p.grad) for p in model.parameters() if p.grad is not None)
    for state in optimizer.state.values():
        total += sum(_tensor_bytes(v) for v in state.values() if isinstance(v, torch.Tensor))
    return total


class _SavedTensorBytes:
    """Counts the bytes autograd saves for backward, each storage once, parameters excluded."""

    def __init__(self, model: nn.Module) -> None:
        self._seen = {p.untyped_storage().data_ptr() for p in model.parameters()}
        self.bytes = 0
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)

    def _pack(self, t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in self._seen:
            self._seen.add(storage.data_ptr())
            self.bytes += storage.nbytes()
        return t

    def __enter__(self) -> _SavedTensorBytes:
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._hooks.__exit__(*exc)

