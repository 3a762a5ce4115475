"""Zero-cost proxies vs trained accuracy: rank correlation of each proxy, and of log10
params (the baseline a proxy must beat to be worth computing), with validation accuracy.

Reads a table of trained architectures (CSV with columns ``arch``, Architecture JSON,
``params`` and ``val_accuracy``; rows whose accuracy is not finite are left out) and
its sidecar ``<table>.json`` with ``input_shape`` and ``n_classes`` (and optionally
``data``: ``{"source": ..., "seed": ...}`` for `load_data`, default digits, seed 0).
Every proxy is computed at each seed's initialisation on one training batch
(evonas.nas.proxies); per seed the script reports Spearman's rho and Kendall's tau-b
against validation accuracy (ties, -inf included, share ranks; NaN scores are left
out), the share of the top 10% by the score that are in the top 10% by accuracy,
Spearman's rho against log10 params (how much of the proxy is just size), the
partial Spearman rho with accuracy given log10 params (what the proxy adds to size,
which is what a surrogate that already sees the parameter count gains), and the mean
time of one ``proxy_scores`` call for that proxy alone (model built, batch
drawn, score computed).

    python bench/bench_proxies.py [TABLE] [--limit N] [--batch-size 64] [--seeds 0] [--json OUT]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from evonas.nas.arch import Architecture
from evonas.nas.data import load_data
from evonas.nas.proxies import PROXIES, proxy_scores

_DEFAULT_TABLE = Path(__file__).resolve().parent / "data" / "nas_digits_table.csv"
_TOP = 0.1


def _read_table(path: Path, limit: int | None) -> tuple[list[Architecture], np.ndarray, np.ndarray, dict]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    missing = {"arch", "params", "val_accuracy"} - set(rows[0] if rows else {})
    if missing:
        raise SystemExit(f"{path}: missing column(s) {sorted(missing)}")
    rows = [r for r in rows if math.isfinite(float(r["val_accuracy"]))]
    rows = rows[:limit]
    with open(path.with_suffix(".json")) as f:
        meta = json.load(f)
    archs = [Architecture.from_json(r["arch"]) for r in rows]
    params = np.array([float(r["params"]) for r in rows])
    accuracy = np.array([float(r["val_accuracy"]) for r in rows])
    return archs, params, accuracy, meta


def _top_overlap(score: np.ndarray, accuracy: np.ndarray) -> float:
    """Share of the top `_TOP` by score (ties broken by order) that are in the top `_TOP` by accuracy."""
    k = max(1, round(_TOP * len(score)))
    by_score = set(np.argsort(-score, kind="stable")[:k])
    by_accuracy = set(np.argsort(-accuracy, kind="stable")[:k])
    return len(by_score & by_accuracy) / k


def _partial_rho(score: np.ndarray, accuracy: np.ndarray, log_params: np.ndarray) -> float:
    """Spearman's rho of score and accuracy with log10 params partialled out: what the score adds to size."""
    r_sa = stats.spearmanr(score, accuracy).statistic
    r_sp = stats.spearmanr(score, log_params).statistic
    r_ap = stats.spearmanr(accuracy, log_params).statistic
    return float((r_sa - r_sp * r_ap) / math.sqrt((1 - r_sp**2) * (1 - r_ap**2)))


def _summary(score: np.ndarray, accuracy: np.ndarray, log_params: np.ndarray | None) -> dict[str, float]:
    """Correlations of `score` with accuracy (NaN scores left out); with `log_params`, also with size."""
    ok = ~np.isnan(score)
    s, a = score[ok], accuracy[ok]
    out = {
        "rho": float(stats.spearmanr(s, a).statistic),
        "tau": float(stats.kendalltau(s, a).statistic),
        "top": _top_overlap(s, a),
        "n": int(ok.sum()),
        "neg_inf": int(np.isneginf(s).sum()),
    }
    if log_params is not None:
        out["rho_params"] = float(stats.spearmanr(s, log_params[ok]).statistic)
        out["partial"] = _partial_rho(s, a, log_params[ok])
    return out


def _cell(values: list[float], fmt: str) -> str:
    """Mean, and the range over seeds when there are several."""
    text = format(float(np.mean(values)), fmt)
    if len(values) > 1:
        text += f" ({format(min(values), fmt)}..{format(max(values), fmt)})"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", nargs="?", type=Path, default=_DEFAULT_TABLE)
    parser.add_argument("--limit", type=int, default=None, help="use the first N rows with a finite accuracy")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seeds", default="0", help="comma-separated initialisation (and batch) seeds")
    parser.add_argument("--proxies", default=",".join(PROXIES))
    parser.add_argument("--json", type=Path, default=None, help="also write every score and the summary here")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.proxies.split(",")
    torch.set_num_threads(1)

    archs, params, accuracy, meta = _read_table(args.table, args.limit)
    source = meta.get("data", {})
    data = load_data(source.get("source", "digits"), seed=source.get("seed", 0))
    if list(data.input_shape) != list(meta["input_shape"]) or data.n_classes != meta["n_classes"]:
        raise SystemExit(
            f"the table is for input {meta['input_shape']} and {meta['n_classes']} classes, "
            f"but the data has {list(data.input_shape)} and {data.n_classes}"
        )
    log_params = np.log10(params)
    scores = {name: np.empty((len(seeds), len(archs))) for name in names}
    seconds = {name: 0.0 for name in [*names, "all"]}
    for i, seed in enumerate(seeds):
        for j, a in enumerate(archs):
            for name in names:
                start = time.perf_counter()
                score = proxy_scores(a, data, names=(name,), seed=seed, batch_size=args.batch_size)
                scores[name][i, j] = score[name]
                seconds[name] += time.perf_counter() - start
            start = time.perf_counter()  # one call for all: the model is built once
            together = proxy_scores(a, data, names=names, seed=seed, batch_size=args.batch_size)
            seconds["all"] += time.perf_counter() - start
            np.testing.assert_array_equal([together[n] for n in names], [scores[n][i, j] for n in names])
    ms_per_arch = {n: 1000 * t / (len(seeds) * len(archs)) for n, t in seconds.items()}

    print(f"# {platform.node()} {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} (1 thread)")
    print(
        f"# {args.table.name}: {len(archs)} architectures, val accuracy {accuracy.min():.3f}..{accuracy.max():.3f}; "
        f"batch {args.batch_size}; seeds {seeds} (cells: mean (min..max) over seeds)"
    )
    print()
    print(
        "| score | Spearman rho | Kendall tau | top-10% overlap | rho vs log10 params | partial rho given params "
        "| scored | -inf | ms/arch |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    base = _summary(log_params, accuracy, None)
    print(
        f"| log10 params (baseline) | {base['rho']:.3f} | {base['tau']:.3f} | {base['top']:.2f} | 1 "
        f"| — | {base['n']} | 0 | 0 |"
    )
    summaries = {}
    for name in names:
        per_seed = [_summary(row, accuracy, log_params) for row in scores[name]]
        summaries[name] = per_seed
        print(
            f"| {name} | {_cell([s['rho'] for s in per_seed], '.3f')} | {_cell([s['tau'] for s in per_seed], '.3f')} "
            f"| {_cell([s['top'] for s in per_seed], '.2f')} | {_cell([s['rho_params'] for s in per_seed], '.3f')} "
            f"| {_cell([s['partial'] for s in per_seed], '.3f')} "
            f"| {min(s['n'] for s in per_seed)} | {max(s['neg_inf'] for s in per_seed)} "
            f"| {ms_per_arch[name]:.1f} |"
        )
    print()
    print(f"All {len(names)} in one proxy_scores call (one model build): {ms_per_arch['all']:.1f} ms/arch.")
    if args.json is not None:
        out = {
            "table": str(args.table),
            "batch_size": args.batch_size,
            "seeds": seeds,
            "baseline": base,
            "summary": summaries,
            "ms_per_arch": ms_per_arch,
            "scores": {n: [[None if math.isnan(v) else v for v in row] for row in scores[n]] for n in names},
        }
        # -inf scores are written as the JSON extension -Infinity (json's default).
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
