"""The objectives and hard limits an architecture search can be asked for.

Each objective has a natural direction (accuracy is maximised, the costs are
minimised) and a cost class: *cheap* ones (params, MACs, size, latency, and the
zero-cost proxies) are known before training, so a candidate that breaks a hard
limit on them is never trained; *trained* ones (accuracy, error, loss, memory)
need the training run. The engine minimises, so :func:`engine_values` flips the
maximised ones.

The zero-cost proxies (synflow, naswot, grad_norm, jacob_cov; see
:mod:`evonas.nas.proxies`) score the candidate's network at the initialisation
its training starts from, on one training batch; larger is meant to be better,
so they are maximised. Their scale has no natural bound (``-inf`` is a real
score, NaN an undefined one): a missing or undefined score counts as the worst,
``-inf``, and they are left out of the search's hypervolume, which has a fixed
reference only for the other objectives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Objective",
    "Constraint",
    "OBJECTIVES",
    "parse_objectives",
    "parse_constraints",
    "engine_values",
    "violations",
    "hv_point",
    "front_hypervolume",
]


@dataclass(frozen=True)
class Objective:
    """One measurable property of a trained candidate."""

    name: str
    maximize: bool
    cheap: bool
    unit: str
    description: str
    #: A zero-cost proxy score (evonas.nas.proxies), unbounded.
    proxy: bool = False

    def worst(self) -> float:
        """The value that stands for a candidate that was never (or not successfully)
        evaluated on this objective: 0 accuracy, infinite costs, a proxy score of ``-inf``."""
        if not self.maximize:
            return math.inf
        return -math.inf if self.proxy else 0.0


OBJECTIVES: dict[str, Objective] = {
    o.name: o
    for o in (
        Objective("accuracy", True, False, "", "validation accuracy after training and compression"),
        Objective("error", False, False, "", "validation error, 1 - accuracy"),
        Objective("loss", False, False, "", "validation cross-entropy loss"),
        Objective("params", False, True, "", "number of parameters"),
        Objective("macs", False, True, "", "multiply-accumulates of one forward pass of one sample"),
        Objective("size", False, True, "B", "model size in bytes after pruning and quantisation"),
        Objective("latency", False, True, "ms", "median inference latency at batch 1 on the device"),
        Objective("memory", False, False, "B", "peak training memory"),
        Objective("synflow", True, True, "", "zero-cost proxy: log synaptic flow at initialisation", proxy=True),
        Objective("naswot", True, True, "", "zero-cost proxy: log det of the activation-code kernel", proxy=True),
        Objective("grad_norm", True, True, "", "zero-cost proxy: loss gradient norm at initialisation", proxy=True),
        Objective("jacob_cov", True, True, "", "zero-cost proxy: input-Jacobian correlation score", proxy=True),
    )
}
#: "flops" is accepted for "macs" (we count multiply-accumulates and say so).
_ALIASES = {"flops": "macs", "acc": "accuracy"}


def _name(raw: str, what: str) -> str:
    key = raw.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in OBJECTIVES:
        raise ValueError(f"unknown {what} {raw!r}: choose from {', '.join(OBJECTIVES)}")
    return key


def parse_objectives(spec: str | Iterable[str]) -> tuple[Objective, ...]:
    """Objectives from ``"accuracy,params"`` or a list of names, in order, no repeats."""
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    if not names or any(not isinstance(n, str) for n in names):
        raise TypeError(f"'objectives' must be a comma-separated str or a list of names, but it is {spec!r}")
    chosen = [_name(n, "objective") for n in names]
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"'objectives' lists an objective twice: {chosen}")
    if len(chosen) < 1:
        raise ValueError("'objectives' must name at least one objective")
    return tuple(OBJECTIVES[n] for n in chosen)


@dataclass(frozen=True)
class Constraint:
    """A hard limit ``name <= limit`` (or ``>=``); feasible when ``violation <= 0``."""

    objective: Objective
    upper: bool
    limit: float

    def violation(self, value: float) -> float:
        if math.isnan(value):
            return math.inf
        return value - self.limit if self.upper else self.limit - value

    def __str__(self) -> str:
        return f"{self.objective.name}{'<=' if self.upper else '>='}{self.limit:g}"


_CONSTRAINT = re.compile(r"^\s*([A-Za-z_]+)\s*(<=|>=)\s*([-+0-9.eE_]+)\s*$")


def parse_constraints(spec: str | Iterable[str] | None) -> tuple[Constraint, ...]:
    """Limits from ``"params<=50000,latency<=2"`` or a list of such strings."""
    if spec is None:
        return ()
    items = [s for s in spec.split(",") if s.strip()] if isinstance(spec, str) else list(spec)
    out = []
    for item in items:
        match = _CONSTRAINT.match(item) if isinstance(item, str) else None
        if match is None:
            raise ValueError(f"a constraint must read like 'params<=50000' or 'accuracy>=0.9', but it is {item!r}")
        name, op, number = match.groups()
        try:
            limit = float(number.replace("_", ""))
        except ValueError:
            raise ValueError(f"the limit of constraint {item!r} must be a number, but it is {number!r}") from None
        if not math.isfinite(limit):
            raise ValueError(f"the limit of constraint {item!r} must be finite")
        out.append(Constraint(OBJECTIVES[_name(name, "constraint")], op == "<=", limit))
    return tuple(out)


def engine_values(objectives: tuple[Objective, ...], values: Mapping[str, float]) -> np.ndarray:
    """The minimised vector the engine sees: maximised objectives negated, a
    missing or NaN value replaced by the objective's worst."""
    out = np.empty(len(objectives))
    for j, obj in enumerate(objectives):
        v = float(values.get(obj.name, math.nan))
        if math.isnan(v):
            v = obj.worst()
        out[j] = -v if obj.maximize else v
    return out


def violations(constraints: tuple[Constraint, ...], values: Mapping[str, float]) -> np.ndarray:
    """One violation per constraint (``<= 0`` feasible; +inf when the value is missing)."""
    return np.array([c.violation(float(values.get(c.objective.name, math.nan))) for c in constraints], dtype=float)


#: Fixed reference space of the search's hypervolume (comparable across runs
#: and methods): accuracy counts as error with reference 1; the counts (params,
#: MACs, bytes) enter as log10 with reference 10**8; latency as log10(ms) with
#: reference 10**3 ms; loss with reference 10. The proxies have no fixed
#: reference and are left out.
_HV_LOG = {"params": 8.0, "macs": 8.0, "size": 8.0, "memory": 8.0, "latency": 3.0}
_HV_LINEAR = {"accuracy": 1.0, "error": 1.0, "loss": 10.0}


def hv_point(objectives: tuple[Objective, ...], values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(point, reference) of a candidate in the fixed hypervolume space: one
    coordinate per objective that is not a proxy, in order."""
    measured = [o for o in objectives if not o.proxy]
    point = np.empty(len(measured))
    ref = np.empty(len(measured))
    for j, obj in enumerate(measured):
        v = float(values.get(obj.name, math.nan))
        if obj.name in _HV_LOG:
            point[j] = math.log10(max(v, 1e-9)) if v >= 0 else math.nan  # NaN stays NaN
            ref[j] = _HV_LOG[obj.name]
        else:
            point[j] = 1.0 - v if obj.name == "accuracy" else v
            ref[j] = _HV_LINEAR[obj.name]
    return point, ref


def front_hypervolume(objectives: tuple[Objective, ...], rows: Iterable[Mapping[str, float]]) -> float:
    """Hypervolume of the measured candidates `rows` in the fixed reference
    space of :func:`hv_point` (points with a missing value are left out; the
    proxies do not count, so with proxies alone it is 0)."""
    from ..indicators import hypervolume

    ref = hv_point(objectives, {})[1]
    if ref.shape[0] == 0:
        return 0.0
    pts = [hv_point(objectives, r)[0] for r in rows]
    P = np.array([p for p in pts if np.isfinite(p).all()]).reshape(-1, len(ref))
    if P.shape[0] == 0:
        return 0.0
    return float(hypervolume(P, ref))
