"""Evaluating one candidate architecture: cheap costs, training, compression.

This module runs in the search process or in worker processes; everything
crossing into it (architecture, plan, weights as bytes) pickles.
"""

from __future__ import annotations

import dataclasses
import io
import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from .arch import Architecture
from .data import DataSplits
from .objectives import OBJECTIVES, Constraint, Objective

#: Training inputs that calibrate post-training quantisation's activation ranges.
_CALIBRATION_SAMPLES = 512
#: Samples of the one training batch the zero-cost proxies score a network on
#: (fewer when the training split is smaller).
_PROXY_BATCH = 64

__all__ = ["EvalPlan", "Evaluation", "cheap_values", "evaluate", "state_from_bytes", "state_to_bytes"]


@dataclass(frozen=True)
class EvalPlan:
    """What to measure and how, the same for every candidate of a search.

    Attributes
    ----------
    objectives, constraints
        What the search optimises and limits.
    device : str
        "cpu" or "cuda" (already resolved).
    inherit_fraction : float
        Share of its epochs budget a child trains when it inherited weights.
    finetune_epochs : int
        Epochs of fine-tuning after pruning or for quantisation-aware training.
    time_limit : float or None
        Seconds one training may take before it is stopped (status "timeout").
    latency_batch : int
        The second batch size at which latency is measured (besides 1).
    """

    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...] = ()
    device: str = "cpu"
    inherit_fraction: float = 0.5
    finetune_epochs: int = 2
    time_limit: float | None = None
    latency_batch: int = 64

    @property
    def names(self) -> set[str]:
        return {o.name for o in self.objectives} | {c.objective.name for c in self.constraints}


@dataclass
class Evaluation:
    """The outcome of one (stage of a) candidate's evaluation."""

    status: str  # "done", "failed", "infeasible"
    values: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    curve: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    fidelity: int = 0
    #: state_dict before compression (to continue training or to inherit from)
    raw_state: bytes | None = None
    #: state_dict of the final (compressed) model
    final_state: bytes | None = None


def state_to_bytes(state: dict[str, Any]) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def state_from_bytes(blob: bytes) -> dict[str, Any]:
    import torch

    return torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)


def cheap_values(arch: Architecture, data: DataSplits, plan: EvalPlan, *, seed: int = 0) -> dict[str, float]:
    """Values known before training.

    Parameters
    ----------
    arch : Architecture
        Valid for the data (`NASSpace.repair` makes it so).
    data : DataSplits
    plan : EvalPlan
        Latency and the zero-cost proxies are computed only when the plan
        names them (as objectives or limits).
    seed : int, default 0
        The candidate's seed: the proxies score the network ``build_model``
        makes from it (the initialisation its training starts from, unless it
        inherits weights) on one batch of up to 64 training samples drawn
        from it, on the CPU, so the same candidate gets the same scores.

    Returns
    -------
    dict of str to float
        ``params``, ``macs``, ``size`` (estimated), ``latency`` and
        ``latency_b<batch>`` (ms, on the plan's device) when asked, and each
        proxy asked for (NaN where undefined for the network, see
        :mod:`evonas.nas.proxies`).
    """
    from .compress import estimated_size_bytes, size_counts
    from .costs import cheap_costs, measure_latency
    from .model import build_model

    costs = cheap_costs(arch, data.input_shape, data.n_classes)
    values = {"params": float(costs["params"]), "macs": float(costs["macs"])}
    model = build_model(arch, data.input_shape, data.n_classes, seed=0)
    counts = dataclasses.asdict(size_counts(model))
    values["size"] = float(estimated_size_bytes(**counts, sparsity=arch.sparsity, quantization=arch.quantization))
    if "latency" in plan.names:
        lat = measure_latency(model, data.input_shape, batch_sizes=(1, plan.latency_batch), device=plan.device)
        values["latency"] = float(lat[1])
        values[f"latency_b{plan.latency_batch}"] = float(lat[plan.latency_batch])
    proxies = [o.name for o in OBJECTIVES.values() if o.proxy and o.name in plan.names]
    if proxies:
        from .proxies import proxy_scores

        batch = min(_PROXY_BATCH, len(data.y_train))
        values.update(proxy_scores(arch, data, names=proxies, seed=seed, batch_size=batch))
    return values


def evaluate(
    arch: Architecture,
    data: DataSplits,
    plan: EvalPlan,
    *,
    seed: int,
    epochs: int,
    init_state: bytes | None = None,
    inherit_state: bytes | None = None,
    compress: bool = True,
) -> Evaluation:
    """Train `arch` for `epochs` (from `init_state`, or inheriting from
    `inherit_state`), then optionally prune/quantise, and measure.

    Never raises for a failing candidate: the error is in the result.
    """
    t0 = time.perf_counter()
    try:
        return _evaluate(arch, data, plan, seed, epochs, init_state, inherit_state, compress, t0)
    except Exception as exc:  # a candidate's failure must not stop the search
        return Evaluation(
            status="failed",
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}",
            timings={"total": time.perf_counter() - t0},
        )


def _evaluate(
    arch: Architecture,
    data: DataSplits,
    plan: EvalPlan,
    seed: int,
    epochs: int,
    init_state: bytes | None,
    inherit_state: bytes | None,
    compress: bool,
    t0: float,
) -> Evaluation:
    from .compress import measured_size_bytes, prepare_qat, prune, quantize
    from .inherit import inherit_weights
    from .model import build_model
    from .train import TrainConfig, Trainer

    model = build_model(arch, data.input_shape, data.n_classes, seed=seed)
    timings: dict[str, float] = {}
    if init_state is not None:
        model.load_state_dict(state_from_bytes(init_state))
    elif inherit_state is not None:
        inherit_weights(model, state_from_bytes(inherit_state))
    config = TrainConfig.from_architecture(arch, seed=seed, device=plan.device, time_limit=plan.time_limit)
    trainer = Trainer(model, data, config)
    curve: list[dict[str, Any]] = []
    memory = math.nan
    result = None
    if epochs > 0:
        result = trainer.fit(epochs)
        curve = list(result.curve)
        memory = float(result.peak_memory_bytes)
        timings["train"] = result.seconds
        if result.status != "ok":
            return Evaluation(
                status="failed",
                error=f"training {result.status}: {result.error}",
                curve=curve,
                timings={**timings, "total": time.perf_counter() - t0},
                fidelity=result.epochs_run,
            )
    fidelity = result.epochs_run if result is not None else 0
    raw_state = state_to_bytes({k: v.detach().cpu().clone() for k, v in model.state_dict().items()})
    if compress:
        t1 = time.perf_counter()
        if arch.sparsity > 0:
            masks = prune(model, arch.sparsity)
            tuner = Trainer(model, data, config, after_step=masks.apply)
            tuned = tuner.fit(plan.finetune_epochs)
            if tuned.status != "ok":
                return Evaluation(status="failed", error=f"fine-tuning after pruning {tuned.status}: {tuned.error}")
            curve += [{**row, "stage": "prune"} for row in tuned.curve]
            masks.apply(model)
        if arch.quantization == "int8_ptq":
            quantize(model, "int8_ptq", calib=data.x_train[:_CALIBRATION_SAMPLES])
        elif arch.quantization == "qat":
            prepare_qat(model)
            tuner = Trainer(model, data, config, after_step=masks.apply if arch.sparsity > 0 else None)
            tuned = tuner.fit(max(1, plan.finetune_epochs))
            if tuned.status != "ok":
                return Evaluation(status="failed", error=f"quantisation-aware training {tuned.status}: {tuned.error}")
            curve += [{**row, "stage": "qat"} for row in tuned.curve]
            quantize(model, "qat")
        timings["compress"] = time.perf_counter() - t1
    accuracy, loss = Trainer(model, data, config).evaluate("val")
    values = {"accuracy": float(accuracy), "error": 1.0 - float(accuracy), "loss": float(loss), "memory": memory}
    values["size"] = float(measured_size_bytes(model)) if compress else math.nan
    timings["total"] = time.perf_counter() - t0
    final_state = state_to_bytes({k: v.detach().cpu().clone() for k, v in model.state_dict().items()}) if compress else None
    return Evaluation(
        status="done",
        values=values,
        curve=curve,
        timings=timings,
        fidelity=fidelity,
        raw_state=raw_state,
        final_state=final_state,
    )
