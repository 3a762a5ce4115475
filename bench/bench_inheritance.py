"""Weight inheritance ("network repair") on digits: a child's validation accuracy after
k epochs when it starts from its trained parent's weights vs from scratch.

Pairs (parent -> child) are the mutations the search makes: a block grows or shrinks,
a block is added, the readout or the activation changes. Each parent trains its full
budget; each child trains k = 1, 2, 3 epochs twice: inheriting (evonas.nas.inherit)
and from its own random initialisation. Medians over seeds.

    python bench/bench_inheritance.py [--seeds 5] [--parent-epochs 15]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time

import numpy as np
import torch

from evonas.nas.arch import Architecture, Block
from evonas.nas.data import load_data
from evonas.nas.inherit import inherit_weights
from evonas.nas.model import build_model
from evonas.nas.train import TrainConfig, Trainer

_EPOCHS = (1, 2, 3)


def _block(type_: str, width: int, kernel: int = 3, **kw) -> Block:
    fields = {"stride": 1, "activation": "relu", "norm": "batch", "dropout": 0.0, "skip": False}
    fields.update(kw)
    return Block(type=type_, width=width, kernel=kernel, **fields)


def _arch(blocks: tuple[Block, ...], readout: str = "flatten") -> Architecture:
    return Architecture(
        blocks=blocks,
        init="kaiming",
        optimizer="adam",
        lr=3e-3,
        weight_decay=0.0,
        l1=0.0,
        batch_size=32,
        epochs=15,
        patience=50,  # no early stop: every run trains its k epochs
        sparsity=0.0,
        quantization="none",
        readout=readout,
    )


PAIRS = {
    "conv 16 -> 32 wide": (
        _arch((_block("conv", 16), _block("pool", 16, stride=2), _block("conv", 16))),
        _arch((_block("conv", 32), _block("pool", 32, stride=2), _block("conv", 32))),
    ),
    "conv 32 -> 16 narrow": (
        _arch((_block("conv", 32), _block("pool", 32, stride=2), _block("conv", 32))),
        _arch((_block("conv", 16), _block("pool", 16, stride=2), _block("conv", 16))),
    ),
    "mlp 32 -> 64 + block": (
        _arch((_block("dense", 32),)),
        _arch((_block("dense", 64), _block("dense", 32))),
    ),
    "kernel 3 -> 5": (
        _arch((_block("conv", 16, 3), _block("pool", 16, stride=2), _block("dense", 32))),
        _arch((_block("conv", 16, 5), _block("pool", 16, stride=2), _block("dense", 32))),
    ),
}


def run(pair: str, seed: int, parent_epochs: int, data) -> dict[str, list[float]]:
    parent_arch, child_arch = PAIRS[pair]
    parent = build_model(parent_arch, data.input_shape, data.n_classes, seed=seed)
    config = TrainConfig.from_architecture(parent_arch, seed=seed, device="cpu")
    Trainer(parent, data, dataclasses.replace(config, epochs=parent_epochs)).fit(parent_epochs)
    out: dict[str, list[float]] = {"inherited": [], "scratch": []}
    for k in _EPOCHS:
        for mode in ("inherited", "scratch"):
            child = build_model(child_arch, data.input_shape, data.n_classes, seed=seed + 1)
            if mode == "inherited":
                inherit_weights(child, parent)
            child_config = TrainConfig.from_architecture(child_arch, seed=seed + 1, device="cpu")
            result = Trainer(child, data, dataclasses.replace(child_config, epochs=k)).fit(k)
            out[mode].append(result.val_accuracy)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--parent-epochs", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_data("digits", seed=0)
    print(f"# {platform.node()} {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} (1 thread)")
    print(f"# digits, parents trained {args.parent_epochs} epochs, seeds 1..{args.seeds}, median validation accuracy")
    print()
    print("| mutation | " + " | ".join(f"k={k} inherited | k={k} scratch" for k in _EPOCHS) + " |")
    print("|---|" + "---|---|" * len(_EPOCHS))
    t0 = time.perf_counter()
    for pair in PAIRS:
        runs = [run(pair, seed, args.parent_epochs, data) for seed in range(1, args.seeds + 1)]
        cells = []
        for j in range(len(_EPOCHS)):
            for mode in ("inherited", "scratch"):
                cells.append(f"{np.median([r[mode][j] for r in runs]):.4f}")
        print(f"| {pair} | " + " | ".join(cells) + " |", flush=True)
    print(f"\ntotal wall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
