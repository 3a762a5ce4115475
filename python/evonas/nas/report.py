"""Reports of a run directory: the front as CSV and markdown, plots, a text
summary, and loading the retrained models. Works on finished and running runs
(the study store is read, never changed, except for the files written here).
"""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..store import Store
from .arch import Architecture
from .objectives import front_hypervolume, parse_objectives

__all__ = ["write_report", "report_text", "load_model"]


def _open(run_dir: str | os.PathLike[str]) -> tuple[Path, Store, dict[str, Any]]:
    run = Path(run_dir)
    if not (run / "study.db").exists():
        raise FileNotFoundError(f"'run_dir': {run} holds no study.db: not an evonas run directory")
    store = Store(run / "study.db")
    settings = json.loads(store.get_meta("settings"))
    return run, store, settings


def _summary(arch_json: str) -> str:
    arch = Architecture.from_json(arch_json)
    blocks = " ".join(f"{b.type}{b.width}" + (f"k{b.kernel}" if b.type not in ("dense", "pool", "identity") else "") for b in arch.blocks)
    extras = ["flatten"] if arch.readout == "flatten" else []
    if arch.sparsity > 0:
        extras.append(f"sparse{arch.sparsity:.2f}")
    if arch.quantization != "none":
        extras.append(arch.quantization)
    return (blocks or "linear") + (" [" + ",".join(extras) + "]" if extras else "")


def write_report(run_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write front.csv, front.md, front.png and hv.png into the run directory.

    Returns
    -------
    dict
        The paths written, by kind.
    """
    from .search import front_rows

    run, store, settings = _open(run_dir)
    try:
        objectives = parse_objectives(settings["objectives"])
        front = sorted(front_rows(store, objectives), key=lambda r: (-r["values"].get("accuracy", -math.inf), r["id"]))
        done = store.candidates(status="done")
    finally:
        store.close()
    names = [o.name for o in objectives]
    extra = [k for k in ("accuracy", "params", "macs", "size", "latency", "memory") if k not in names]
    paths = {"csv": run / "front.csv", "md": run / "front.md", "front_png": run / "front.png", "hv_png": run / "hv.png"}
    with open(paths["csv"], "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "generation", *names, *extra, "architecture"])
        for r in front:
            v = r["values"]
            writer.writerow([r["id"], r["generation"], *(v.get(k) for k in names + extra), r["arch"]])
    lines = [
        f"# Pareto front: {len(front)} of {len(done)} trained candidates",
        "",
        "| id | gen | " + " | ".join(names + extra) + " | architecture |",
        "|---" * (3 + len(names) + len(extra)) + "|",
    ]
    for r in front:
        v = r["values"]
        cells = [_fmt(k, v.get(k)) for k in names + extra]
        lines.append(f"| {r['id']} | {r['generation']} | " + " | ".join(cells) + f" | {_summary(r['arch'])} |")
    paths["md"].write_text("\n".join(lines) + "\n")
    _plots(objectives, done, front, paths)
    return paths


def _fmt(name: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if name in ("accuracy", "error"):
        return f"{value:.4f}"
    if name in ("params", "macs", "size", "memory"):
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _plots(objectives: Any, done: list[Any], front: list[dict[str, Any]], paths: dict[str, Path]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_name, y_name = (objectives[1].name, objectives[0].name) if len(objectives) > 1 else ("params", objectives[0].name)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    all_x = [c.objectives.get(x_name, math.nan) for c in done]
    all_y = [c.objectives.get(y_name, math.nan) for c in done]
    ax.scatter(all_x, all_y, s=10, c="0.7", label="trained")
    fx = [r["values"].get(x_name, math.nan) for r in front]
    fy = [r["values"].get(y_name, math.nan) for r in front]
    order = np.argsort(fx)
    ax.plot(np.array(fx)[order], np.array(fy)[order], "o-", c="C3", label="Pareto front")
    if x_name in ("params", "macs", "size", "memory"):
        ax.set_xscale("log")
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    ax.legend()
    fig.tight_layout()
    fig.savefig(paths["front_png"], dpi=120)
    plt.close(fig)
    # Hypervolume of everything trained so far, candidate by candidate (in id order).
    done = sorted(done, key=lambda c: c.id)
    hv = []
    feasible: list[dict[str, float]] = []
    for c in done:
        if not c.constraints or all(v <= 0 for v in c.constraints):
            feasible.append(dict(c.objectives or {}))
        hv.append(front_hypervolume(objectives, feasible))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(hv) + 1), hv, c="C0")
    ax.set_xlabel("trained candidates")
    ax.set_ylabel("hypervolume")
    fig.tight_layout()
    fig.savefig(paths["hv_png"], dpi=120)
    plt.close(fig)


def report_text(run_dir: str | os.PathLike[str], *, plot: bool = True) -> str:
    """A text summary of a run (finished or running), re-writing its report files when `plot`."""
    from .search import front_rows

    run, store, settings = _open(run_dir)
    try:
        objectives = parse_objectives(settings["objectives"])
        counts = {s: store.count(status=s) for s in ("done", "failed", "infeasible", "running", "pending")}
        front = sorted(front_rows(store, objectives), key=lambda r: (-r["values"].get("accuracy", -math.inf), r["id"]))
        retrained = store.get_meta("retrained", [])
    finally:
        store.close()
    if plot:
        write_report(run)
    hv = front_hypervolume(objectives, [r["values"] for r in front])
    lines = [
        f"run {run}: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n),
        f"objectives: {', '.join(o.name for o in objectives)}; budget {settings.get('budget')}; HV {hv:.4f}",
        f"front ({len(front)}):",
    ]
    names = [o.name for o in objectives]
    for r in front:
        vals = ", ".join(f"{k} {_fmt(k, r['values'].get(k))}" for k in names)
        lines.append(f"  #{r['id']:<5} {vals}  {_summary(r['arch'])}")
    if retrained:
        lines.append("retrained on the full budget (test split):")
        for e in retrained:
            lines.append(f"  rank {e['rank']}: #{e['id']} val {e['val_accuracy']:.4f} test {e['test_accuracy']:.4f}")
    return "\n".join(lines)


def load_model(run_dir: str | os.PathLike[str], rank: int = 0) -> Any:
    """The retrained model of rank `rank` (0: the most accurate of the final front).

    Returns
    -------
    torch.nn.Module
        In eval mode, with its compression (pruning, quantisation) applied.
    """
    from .search import _rebuild

    run = Path(run_dir)
    meta = run / "models" / f"rank{rank}.json"
    if not meta.exists():
        have = sorted(p.stem for p in (run / "models").glob("rank*.json")) if (run / "models").exists() else []
        raise FileNotFoundError(f"no retrained model of rank {rank} in {run} (have: {have or 'none'})")
    entry = json.loads(meta.read_text())
    arch = Architecture.from_json(entry["arch"])
    _, store, _ = _open(run)
    try:
        data = store.get_meta("data")
    finally:
        store.close()
    state = (run / "models" / f"rank{rank}.pt").read_bytes()
    return _rebuild(arch, tuple(data["input_shape"]), int(data["n_classes"]), state).eval()
