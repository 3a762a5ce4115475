"""Training one candidate: accuracy, determinism, continuation, early stopping, failures, memory."""

from __future__ import annotations

import dataclasses
import math
import time
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from evonas.nas.data import DataSplits, load_data  # noqa: E402
from evonas.nas.train import TrainConfig, Trainer, TrainResult, train  # noqa: E402

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def digits() -> DataSplits:
    return load_data("digits", seed=0)


def mlp(seed: int = 0, *, batch_norm: bool = False, dropout: float = 0.0) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, 64),
        nn.BatchNorm1d(64) if batch_norm else nn.Identity(),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(64, 10),
    )
    with torch.no_grad():  # every parameter from `gen`: the same seed gives the same model
        for p in model.parameters():
            fan_in = p.shape[1] if p.ndim > 1 else p.shape[0]
            p.copy_(torch.randn(p.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
    return model


def curve_values(result: TrainResult) -> list[tuple[float, ...]]:
    """The curve without its timings."""
    return [(e["epoch"], e["train_loss"], e["val_loss"], e["val_accuracy"]) for e in result.curve]


def states_equal(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k].cpu(), sb[k].cpu()) for k in sa)


FAST = TrainConfig(optimizer="adam", lr=3e-3, batch_size=32, epochs=5, patience=0)


# ------------------------------------------------------------------ learning


@pytest.mark.parametrize("device", DEVICES)
def test_small_mlp_learns_digits(digits, device):
    config = dataclasses.replace(FAST, device=device)
    result = train(mlp(), digits, config)
    assert result.status == "ok" and result.error is None and result.ok
    assert result.val_accuracy > 0.9
    assert result.epochs_run == 5 and len(result.curve) == 5
    assert [e["epoch"] for e in result.curve] == [1, 2, 3, 4, 5]
    assert result.curve[-1]["train_loss"] < result.curve[0]["train_loss"]
    assert 0 < result.seconds and result.peak_memory_bytes > 0


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
def test_every_optimizer_trains(digits, optimizer):
    lr = {"sgd": 0.05, "adam": 3e-3, "adamw": 3e-3, "rmsprop": 1e-3}[optimizer]
    config = dataclasses.replace(FAST, optimizer=optimizer, lr=lr, epochs=2, weight_decay=1e-4)
    result = train(mlp(), digits, config)
    assert result.status == "ok" and result.val_accuracy > 0.8


def test_evaluate_matches_a_direct_computation(digits):
    trainer = Trainer(mlp(batch_norm=True, dropout=0.3), digits, dataclasses.replace(FAST, epochs=1))
    trainer.fit()
    model = trainer.model
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(digits.x_test))
        loss = nn.functional.cross_entropy(logits, torch.from_numpy(digits.y_test)).item()
        accuracy = (logits.argmax(1).numpy() == digits.y_test).mean()
    model.train()
    got_accuracy, got_loss = trainer.evaluate("test")
    assert got_accuracy == pytest.approx(accuracy, abs=1e-12)
    assert got_loss == pytest.approx(loss, rel=1e-5)
    assert model.training  # evaluate leaves the mode as it found it


def test_evaluate_errors(digits):
    trainer = Trainer(mlp(), digits, FAST)
    with pytest.raises(ValueError, match="'split' must be"):
        trainer.evaluate("validation")
    no_test = dataclasses.replace(digits, x_test=digits.x_test[:0], y_test=digits.y_test[:0])
    with pytest.raises(ValueError, match="'test' split is empty"):
        Trainer(mlp(), no_test, FAST).evaluate("test")


# -------------------------------------------------------------- determinism


def test_same_seed_same_curve_and_weights(digits):
    config = dataclasses.replace(FAST, epochs=3, seed=7)
    a, b = mlp(batch_norm=True, dropout=0.2), mlp(batch_norm=True, dropout=0.2)
    ra, rb = train(a, digits, config), train(b, digits, config)
    assert curve_values(ra) == curve_values(rb)
    assert states_equal(a, b)
    other = train(mlp(batch_norm=True, dropout=0.2), digits, dataclasses.replace(config, seed=8))
    assert curve_values(other) != curve_values(ra)


def test_same_curve_after_a_pickle_round_trip_of_the_data(digits):
    # Unpickled arrays carry other strides on their size-1 channel axis; the
    # trainer must not let that choose another (differently rounding) kernel.
    import pickle

    def conv(seed):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(256, 10))

    config = dataclasses.replace(FAST, epochs=2, seed=3)
    copy = pickle.loads(pickle.dumps(digits))
    assert copy.x_train.strides != digits.x_train.strides or digits.x_train.shape[1] != 1
    assert curve_values(train(conv(0), digits, config)) == curve_values(train(conv(0), copy, config))


def test_global_rng_is_left_alone(digits):
    model = mlp(dropout=0.5)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    train(model, digits, dataclasses.replace(FAST, epochs=1))
    assert torch.equal(torch.get_rng_state(), before)


class Noise:
    """after_step adding seeded noise to every parameter from the second epoch on.

    It makes epoch 1 the best, so when a call to fit ends the best weights
    differ from the last ones that training resumes from.
    """

    def __init__(self, steps_per_epoch: int) -> None:
        self.steps_per_epoch = steps_per_epoch
        self.steps = 0
        self.gen = torch.Generator().manual_seed(0)

    def __call__(self, model: nn.Module) -> None:
        self.steps += 1
        if self.steps > self.steps_per_epoch:
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(torch.randn(p.shape, generator=self.gen) * 0.2)


def test_continuation_is_bit_identical(digits):
    config = dataclasses.replace(FAST, epochs=4, seed=3)
    steps = math.ceil(len(digits.y_train) / config.batch_size)
    whole_model = mlp(batch_norm=True, dropout=0.2)
    whole = Trainer(whole_model, digits, config, after_step=Noise(steps)).fit(4)
    parts_model = mlp(batch_norm=True, dropout=0.2)
    trainer = Trainer(parts_model, digits, config, after_step=Noise(steps))
    first = trainer.fit(2)
    assert first.epochs_run == 2 and len(first.curve) == 2
    assert first.best_epoch == 1  # the model now holds epoch 1's weights; training resumes from epoch 2's
    second = trainer.fit(2)
    assert second.epochs_run == 4 and whole.best_epoch == 1
    assert curve_values(second) == curve_values(whole)
    assert (second.val_accuracy, second.val_loss) == (whole.val_accuracy, whole.val_loss)
    assert states_equal(whole_model, parts_model)
    assert second.seconds > first.seconds
    assert len(first.curve) == 2  # results are copies, not views of the trainer's state


# ------------------------------------------------------- early stopping, best


class Resetter:
    """after_step that puts the model back to its first weights: no epoch can improve."""

    def __init__(self, model: nn.Module) -> None:
        self.state = {k: v.clone() for k, v in model.state_dict().items()}

    def __call__(self, model: nn.Module) -> None:
        model.load_state_dict(self.state)


def test_early_stopping_after_patience(digits):
    model = mlp()
    reset = Resetter(model)
    calls = []
    def step(m: nn.Module) -> None:
        calls.append(1)
        reset(m)

    trainer = Trainer(model, digits, dataclasses.replace(FAST, epochs=10, patience=2), after_step=step)
    result = trainer.fit()
    assert result.status == "ok" and result.stopped_early
    assert result.epochs_run == 3 and result.best_epoch == 1
    steps_per_epoch = math.ceil(len(digits.y_train) / FAST.batch_size)
    assert len(calls) == 3 * steps_per_epoch  # after_step runs after every optimiser step
    again = trainer.fit(5)  # stopped: no more training
    assert again.epochs_run == 3 and len(calls) == 3 * steps_per_epoch


def test_best_epoch_weights_are_restored(digits):
    """Training wrecks the weights after two epochs; the model must hold epoch 2's."""
    model = mlp()
    steps_per_epoch = math.ceil(len(digits.y_train) / FAST.batch_size)
    seen = []

    def wreck(m: nn.Module) -> None:
        seen.append(1)
        if len(seen) > 2 * steps_per_epoch:
            with torch.no_grad():
                for p in m.parameters():
                    p.zero_()

    trainer = Trainer(model, digits, dataclasses.replace(FAST, epochs=4), after_step=wreck)
    result = trainer.fit()
    assert result.best_epoch == 2 and result.epochs_run == 4
    assert result.curve[-1]["val_accuracy"] < 0.2 < result.val_accuracy
    assert (result.val_accuracy, result.val_loss) == (result.curve[1]["val_accuracy"], result.curve[1]["val_loss"])
    assert trainer.evaluate("val") == pytest.approx((result.val_accuracy, result.val_loss), rel=1e-6)


def test_a_last_batch_of_one_is_dropped(digits):
    small = dataclasses.replace(digits, x_train=digits.x_train[:33], y_train=digits.y_train[:33])
    seen = []
    config = dataclasses.replace(FAST, epochs=2)
    result = Trainer(mlp(batch_norm=True), small, config, after_step=lambda m: seen.append(1)).fit()
    assert result.status == "ok", result.error
    assert len(seen) == 2  # one batch of 32 per epoch; the 33rd sample alone would break BatchNorm


# ----------------------------------------------------------------- failures


class Raises(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(64, 10)

    def forward(self, x):
        raise RuntimeError("this block cannot run")


class Produces(nn.Module):
    """Multiplies the logits by `value` (NaN or inf)."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.inner = mlp()
        self.value = value

    def forward(self, x):
        return self.inner(x) * self.value


class Slow(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = mlp()

    def forward(self, x):
        time.sleep(0.05)
        return self.inner(x)


class OutOfMemory(nn.Module):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.linear = nn.Linear(64, 10)
        self.error = error

    def forward(self, x):
        raise self.error


def test_a_raising_model_is_a_failed_result(digits):
    trainer = Trainer(Raises(), digits, FAST)
    result = trainer.fit()
    assert result.status == "failed" and not result.ok
    assert result.error == "RuntimeError: this block cannot run"
    assert result.epochs_run == 0 and result.best_epoch == 0 and math.isnan(result.val_accuracy)
    assert trainer.fit().status == "failed"  # a failed trainer stays failed


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_loss_is_reported(digits, value):
    result = train(Produces(value), digits, FAST)
    assert result.status == "nan"
    assert "training loss is nan in epoch 1" in result.error


def test_a_diverging_lr_is_reported_and_best_weights_kept(digits):
    # Epoch 1 trains normally; then the weights blow up.
    model = mlp()
    steps = []

    def blow_up(m: nn.Module) -> None:
        steps.append(1)
        if len(steps) > math.ceil(len(digits.y_train) / FAST.batch_size):
            with torch.no_grad():
                m[1].weight.mul_(1e30)

    trainer = Trainer(model, digits, FAST, after_step=blow_up)
    result = trainer.fit()
    assert result.status == "nan" and result.best_epoch == 1 and result.epochs_run == 1
    assert result.val_accuracy > 0.5
    assert torch.isfinite(model[1].weight).all()
    assert trainer.evaluate("val") == pytest.approx((result.val_accuracy, result.val_loss), rel=1e-6)


def test_time_limit(digits):
    config = dataclasses.replace(FAST, time_limit=0.2)
    start = time.perf_counter()
    result = train(Slow(), digits, config)
    assert time.perf_counter() - start < 2.0
    assert result.status == "timeout" and "time limit of 0.2 s" in result.error
    assert result.epochs_run == 0


@pytest.mark.parametrize(
    "error",
    [MemoryError("no room"), torch.OutOfMemoryError("CUDA out of memory"), RuntimeError("CPUAllocator: out of memory")],
)
def test_out_of_memory_is_reported(digits, error):
    result = train(OutOfMemory(error), digits, FAST)
    assert result.status == "oom" and type(error).__name__ in result.error


def test_a_failing_after_step_is_a_failed_result(digits):
    def broken(m):
        raise ValueError("mask shape")

    result = train(mlp(), digits, FAST, after_step=broken)
    assert result.status == "failed" and result.error == "ValueError: mask shape"


def test_wrong_output_size_is_a_failed_result(digits):
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    result = train(model, digits, FAST)
    assert result.status == "failed" and "out of bounds" in result.error


# -------------------------------------------------------------- penalties


def test_l1_raises_the_loss_and_shrinks_weights(digits):
    config = dataclasses.replace(FAST, epochs=2, optimizer="sgd", lr=0.05)
    plain_model, l1_model = mlp(), mlp()
    plain = train(plain_model, digits, config)
    with_l1 = train(l1_model, digits, dataclasses.replace(config, l1=0.01))
    weight_sum = sum(p.abs().sum().item() for p in mlp().parameters() if p.ndim > 1)
    # The reported training loss includes the penalty, 0.01 * sum|w| at the start.
    assert with_l1.curve[0]["train_loss"] > plain.curve[0]["train_loss"] + 0.2 * 0.01 * weight_sum
    def total(m):
        return sum(p.abs().sum().item() for p in m.parameters() if p.ndim > 1)

    assert total(l1_model) < 0.8 * total(plain_model)
    # Biases carry no penalty: they do not all collapse towards zero.
    assert l1_model[-1].bias.abs().max().item() > 1e-3


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_weight_decay_shrinks_weights_not_biases(digits, optimizer):
    config = dataclasses.replace(FAST, epochs=2, optimizer=optimizer, lr=0.05 if optimizer == "sgd" else 3e-3)
    plain, decayed = mlp(), mlp()
    train(plain, digits, config)
    decay = 0.5 if optimizer == "sgd" else 5.0  # AdamW shrinks by lr * decay per step
    trainer = Trainer(decayed, digits, dataclasses.replace(config, weight_decay=decay))
    trainer.fit()
    groups = trainer._optimizer.param_groups
    assert {g["weight_decay"]: len(g["params"]) for g in groups} == {decay: 2, 0.0: 2}
    assert all(p.ndim > 1 for p in groups[0]["params"]) and all(p.ndim == 1 for p in groups[1]["params"])
    assert decayed[1].weight.norm() < 0.8 * plain[1].weight.norm()


# ----------------------------------------------------------------- memory


def test_cpu_peak_memory_counts_state_and_activations(digits):
    def peak(batch_size: int) -> tuple[int, int]:
        model = mlp()
        result = train(model, digits, dataclasses.replace(FAST, epochs=1, batch_size=batch_size))
        params = sum(p.numel() * 4 for p in model.parameters())
        return result.peak_memory_bytes, params

    small, params = peak(16)
    large, _ = peak(512)
    # parameters + gradients + Adam's two moments, plus at least the input and hidden activations.
    assert small >= 4 * params + 16 * (64 + 64) * 4
    assert large - small >= (512 - 16) * (64 + 64) * 4
    assert large < 4 * params + 512 * 64 * 4 * 10  # and not wildly more


# ----------------------------------------------------------------- config


def test_config_from_architecture():
    arch = SimpleNamespace(
        optimizer="sgd", lr=0.1, weight_decay=1e-4, l1=0.0, batch_size=16, epochs=3, patience=2, blocks=()
    )
    config = TrainConfig.from_architecture(arch, seed=5, epochs=7)
    assert (config.optimizer, config.lr, config.batch_size, config.epochs, config.patience, config.seed) == (
        "sgd", 0.1, 16, 7, 2, 5,
    )
    with pytest.raises(TypeError, match=r"unknown TrainConfig field\(s\) \['epoch'\]"):
        TrainConfig.from_architecture(arch, epoch=3)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"optimizer": "lbfgs"}, ValueError, "'optimizer' must be one of"),
        ({"lr": 0.0}, ValueError, "'lr' must be a finite float > 0"),
        ({"lr": float("nan")}, ValueError, "'lr'"),
        ({"lr": "0.1"}, TypeError, "'lr' must be a float"),
        ({"weight_decay": -1.0}, ValueError, "'weight_decay'"),
        ({"l1": float("inf")}, ValueError, "'l1'"),
        ({"batch_size": 0}, ValueError, "'batch_size'"),
        ({"batch_size": 2.0}, TypeError, "'batch_size'"),
        ({"epochs": 0}, ValueError, "'epochs'"),
        ({"patience": -1}, ValueError, "'patience'"),
        ({"seed": -3}, ValueError, "'seed'"),
        ({"device": 0}, TypeError, "'device'"),
        ({"amp": 1}, TypeError, "'amp'"),
        ({"time_limit": 0}, ValueError, "'time_limit'"),
    ],
)
def test_bad_config(kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(**kwargs)


def test_bad_trainer_arguments(digits):
    with pytest.raises(TypeError, match="'model' must be a torch.nn.Module"):
        Trainer(lambda x: x, digits, FAST)
    with pytest.raises(TypeError, match="'data' must be a DataSplits"):
        Trainer(mlp(), (digits.x_train, digits.y_train), FAST)
    with pytest.raises(TypeError, match="'config' must be a TrainConfig"):
        Trainer(mlp(), digits, {"lr": 0.1})
    with pytest.raises(TypeError, match="'after_step'"):
        Trainer(mlp(), digits, FAST, after_step=3)
    with pytest.raises(ValueError, match="'device' must be"):
        Trainer(mlp(), digits, dataclasses.replace(FAST, device="tpu"))
    with pytest.raises(ValueError, match="'device' must be"):
        Trainer(mlp(), digits, dataclasses.replace(FAST, device="not a device"))
    with pytest.raises(ValueError, match="'n_epochs'"):
        Trainer(mlp(), digits, FAST).fit(0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            Trainer(mlp(), digits, dataclasses.replace(FAST, device="cuda"))
        with pytest.raises(ValueError, match="'amp'.*needs a CUDA device"):
            Trainer(mlp(), digits, dataclasses.replace(FAST, amp=True))
        assert Trainer(mlp(), digits, dataclasses.replace(FAST, device="auto")).device.type == "cpu"


def test_model_without_parameters_is_a_failed_result(digits):
    result = train(nn.Sequential(nn.Flatten(), nn.Identity()), digits, FAST)
    assert result.status == "failed" and "no parameters" in result.error


def test_numpy_inputs_stay_untouched(digits):
    before = digits.x_train.copy()
    train(mlp(), digits, dataclasses.replace(FAST, epochs=1))
    np.testing.assert_array_equal(digits.x_train, before)


def test_read_only_and_float64_arrays_are_accepted(digits):
    x = digits.x_train.astype(np.float64)
    x.flags.writeable = False
    data = dataclasses.replace(digits, x_train=x, y_train=digits.y_train.astype(np.int32))
    result = train(mlp(), data, dataclasses.replace(FAST, epochs=1))
    assert result.status == "ok", result.error


def test_trains_a_model_built_from_an_architecture(digits):
    from evonas.nas.arch import Architecture, Block
    from evonas.nas.model import build_model

    arch = Architecture(
        blocks=(
            Block(type="conv", width=8, kernel=3, stride=1, activation="relu", norm="batch", dropout=0.1, skip=False),
            Block(type="dense", width=32, kernel=1, stride=1, activation="gelu", norm="none", dropout=0.0, skip=False),
        ),
        init="kaiming", optimizer="adamw", lr=3e-3, weight_decay=1e-4, l1=1e-5,
        batch_size=64, epochs=2, patience=1, sparsity=0.0, quantization="none",
    )
    config = TrainConfig.from_architecture(arch, seed=1)
    assert (config.optimizer, config.batch_size, config.epochs, config.patience) == ("adamw", 64, 2, 1)
    result = train(build_model(arch, digits.input_shape, digits.n_classes, seed=0), digits, config)
    assert result.status == "ok", result.error
    assert result.epochs_run == 2 and result.val_accuracy > 0.1
