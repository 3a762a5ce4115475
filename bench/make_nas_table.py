"""Train every architecture of a small search space once: a tabular NAS benchmark.

    python bench/make_nas_table.py [--workers 2] [--out bench/data/nas_digits_table]

The space (`TABLE_SPACE`, a `NASSpace` restricted to categorical genes) is
enumerated exhaustively: every genome is decoded, repaired for the digits
input and put in `Architecture.canonical` form, and each distinct network is
trained once (seed 0, fixed epochs and early-stopping patience, CPU, one torch
thread per worker) on the embedded digits split (seed 0). The table is what
the surrogate benchmarks look candidates up in instead of training them
(bench/bench_surrogate_nas.py) and what the zero-cost proxies are checked
against (bench/bench_proxies.py).

Writes OUT.csv (one row per architecture, appended and flushed as each
training finishes, so an interrupted run resumes where it stopped) and
OUT.json (the space, the training settings, the machine and the command).
Columns: id, arch (canonical Architecture JSON), params, macs, depth,
val_accuracy, val_loss, test_accuracy, epochs_run, train_seconds, curve
(validation accuracy after each epoch, ';'-separated).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import itertools
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

#: The benchmark space: two block slots of six types (widths 8/16/32, kernels
#: 3/5, batch norm, ReLU), gap or flatten readout; training settings fixed.
TABLE_SPACE: dict[str, Any] = {
    "max_blocks": 2,
    "block_types": ["identity", "conv", "sepconv", "residual", "dense", "pool"],
    "widths": [8, 16, 32],
    "kernels": [3, 5],
    "strides": [1],
    "activations": ["relu"],
    "norms": ["batch"],
    "dropouts": [0.0],
    "skips": [False],
    "readouts": ["gap", "flatten"],
    "inits": ["kaiming"],
    "optimizers": ["adam"],
    "lr": [3e-3, 3e-3],
    "weight_decays": [0.0],
    "l1s": [0.0],
    "batch_sizes": [32],
    "epochs": [15, 15],
    "patience": [4, 4],
    "sparsities": [0.0],
    "quantizations": ["none"],
}
DATA = {"source": "digits", "seed": 0}
TRAIN_SEED = 0
COLUMNS = ("id", "arch", "params", "macs", "depth", "val_accuracy", "val_loss", "test_accuracy", "epochs_run",
           "train_seconds", "curve")


def table_space():
    from evonas.nas import NASSpace

    return NASSpace(**TABLE_SPACE)


def enumerate_architectures(input_shape: tuple[int, ...]) -> list[Any]:
    """Every distinct canonical network of `TABLE_SPACE`, in genome enumeration order."""
    nas = table_space()
    X = np.array(list(itertools.product(*(range(len(g.choices)) for g in nas.space))), dtype=float)
    seen: dict[Any, None] = {}
    for a in nas.decode(X):
        seen.setdefault(nas.repair(a, input_shape).canonical(), None)
    return list(seen)


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


def train_one(index: int, arch_json: str) -> dict[str, Any]:
    from evonas.nas import load_data
    from evonas.nas.arch import Architecture
    from evonas.nas.costs import cheap_costs
    from evonas.nas.model import build_model
    from evonas.nas.train import TrainConfig, Trainer

    if "data" not in _data_cache:  # once per worker process
        _data_cache["data"] = load_data(DATA["source"], seed=DATA["seed"])
    data = _data_cache["data"]
    arch = Architecture.from_json(arch_json)
    t0 = time.perf_counter()
    model = build_model(arch, data.input_shape, data.n_classes, seed=TRAIN_SEED)
    trainer = Trainer(model, data, TrainConfig.from_architecture(arch, seed=TRAIN_SEED))
    result = trainer.fit(arch.epochs)
    if result.status != "ok":
        raise RuntimeError(f"architecture {index} failed to train: {result.status}: {result.error}")
    val_accuracy, val_loss = trainer.evaluate("val")
    test_accuracy, _ = trainer.evaluate("test")
    costs = cheap_costs(arch, data.input_shape, data.n_classes)
    return {
        "id": index,
        "arch": arch_json,
        "params": int(costs["params"]),
        "macs": int(costs["macs"]),
        "depth": arch.depth,
        "val_accuracy": f"{val_accuracy:.6f}",
        "val_loss": f"{val_loss:.6f}",
        "test_accuracy": f"{test_accuracy:.6f}",
        "epochs_run": result.epochs_run,
        "train_seconds": f"{time.perf_counter() - t0:.3f}",
        "curve": ";".join(f"{row['val_accuracy']:.6f}" for row in result.curve),
    }


_data_cache: dict[str, Any] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(Path(__file__).parent / "data" / "nas_digits_table"))
    parser.add_argument("--limit", type=int, default=None, help="train only the first N architectures")
    args = parser.parse_args()

    import torch

    from evonas.nas import load_data

    data = load_data(DATA["source"], seed=DATA["seed"])
    archs = enumerate_architectures(data.input_shape)[: args.limit]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    csv_path, meta_path = out.with_suffix(".csv"), out.with_suffix(".json")
    done: set[int] = set()
    if csv_path.exists():
        with open(csv_path, newline="") as f:
            done = {int(row["id"]) for row in csv.DictReader(f)}
    todo = [(i, a.to_json()) for i, a in enumerate(archs) if i not in done]
    print(f"{len(archs)} architectures, {len(done)} already in {csv_path}, {len(todo)} to train", flush=True)
    meta = {
        "space": TABLE_SPACE,
        "data": DATA,
        "input_shape": list(data.input_shape),
        "n_classes": data.n_classes,
        "split_sizes": data.sizes(),
        "train_seed": TRAIN_SEED,
        "n_architectures": len(archs),
        "torch": torch.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "date": datetime.date.today().isoformat(),
    }
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    t0 = time.perf_counter()
    with open(csv_path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        if not done:
            writer.writeheader()
        with ProcessPoolExecutor(args.workers, initializer=_init_worker) as pool:
            futures = [pool.submit(train_one, i, a) for i, a in todo]
            for k, fut in enumerate(as_completed(futures), 1):
                writer.writerow(fut.result())
                f.flush()
                os.fsync(f.fileno())
                if k % 50 == 0 or k == len(todo):
                    print(f"{k}/{len(todo)} trained, {time.perf_counter() - t0:.0f} s", flush=True)
    with open(csv_path, newline="") as f:  # complete: rewrite in id order
        rows = sorted(csv.DictReader(f), key=lambda row: int(row["id"]))
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
