"""The architecture search end to end on CPU: a tiny search, its run directory,
resume after kill -9, failing candidates, hard limits, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from evonas.cli import main as cli_main  # noqa: E402
from evonas.nas import model as nas_model  # noqa: E402
from evonas.nas.report import load_model, report_text  # noqa: E402
from evonas.nas.search import SearchSettings, search  # noqa: E402
from evonas.store import Store  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_one_thread")

#: A small space so that every training takes a fraction of a second.
TINY = {
    "max_blocks": 2,
    "block_types": ("identity", "conv", "dense", "pool"),
    "widths": (4, 8),
    "kernels": (1, 3),
    "batch_sizes": (64, 128),
    "epochs": (1, 3),
    "patience": (1, 2),
}


def _run(tmp_path: Path, name: str = "run", **kwargs) -> object:
    options = {"budget": 8, "population": 4, "retrain": 1, "space": TINY, "seed": 3, "progress": False, "workers": 1}
    options.update(kwargs)
    return search("digits", out=tmp_path / name, **options)


def test_tiny_search_writes_a_complete_run_directory(tmp_path):
    res = _run(tmp_path)
    run = tmp_path / "run"
    assert res.n_trained == 8
    with Store(run / "study.db") as store:
        done = store.candidates(status="done")
        assert len(done) + store.count(status="failed") == 8
        for c in done:
            assert 0 <= c.objectives["accuracy"] <= 1 and c.objectives["params"] > 0
            assert c.curve and c.fidelity >= 1
            assert (run / "weights" / f"{c.id}.pt").exists()
        # Children of generation 2 name the member whose weights they inherited.
        assert any(c.parent_ids for c in done if c.generation == 2)
    for name in ("front.csv", "front.md", "front.png", "hv.png", "models/rank0.pt", "models/rank0.json"):
        assert (run / name).exists(), name
    assert res.front and all(r["values"]["accuracy"] > 0 for r in res.front)
    # The front is non-dominated: no member beats another on both objectives.
    for a in res.front:
        for b in res.front:
            va, vb = a["values"], b["values"]
            assert not (va["accuracy"] > vb["accuracy"] and va["params"] < vb["params"])
    entry = json.loads((run / "models" / "rank0.json").read_text())
    assert entry["rank"] == 0 and 0 <= entry["test_accuracy"] <= 1
    # load_model gives back the retrained network: its test accuracy is reproduced.
    from evonas.nas.data import load_data

    data = load_data("digits", seed=3)
    model = load_model(run, rank=0)
    with torch.no_grad():
        pred = model(torch.as_tensor(data.x_test)).argmax(1).numpy()
    assert np.mean(pred == data.y_test) == pytest.approx(entry["test_accuracy"], abs=1e-9)
    text = report_text(run, plot=False)
    assert "front (" in text and "rank 0" in text


def test_same_seed_same_search(tmp_path):
    a = _run(tmp_path, "a", budget=4, retrain=0)
    b = _run(tmp_path, "b", budget=4, retrain=0)
    assert [r["values"] for r in a.front] == [r["values"] for r in b.front]


def test_hard_limits_on_cheap_costs_are_never_trained(tmp_path):
    _run(tmp_path, constraints=("params<=100",), retrain=0)
    with Store(tmp_path / "run" / "study.db") as store:
        infeasible = store.candidates(status="infeasible")
        assert infeasible, "some tiny-space networks exceed 100 parameters"
        for c in infeasible:
            assert c.objectives["params"] > 100 and c.curve in (None, []) and "params<=100" in c.error
        for c in store.candidates(status="done"):
            assert c.objectives["params"] <= 100


class _Exploding(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        if self.training:
            raise RuntimeError("injected failure")
        return self.inner(x)


def test_a_failing_candidate_is_recorded_and_the_search_goes_on(tmp_path, monkeypatch):
    real = nas_model.build_model

    def flaky(arch, *args, **kwargs):
        # Networks with batch size 128 fail in training; building one of width 8 fails at once.
        if arch.blocks and arch.blocks[0].width == 8 and arch.blocks[0].type == "conv":
            raise ValueError("injected build failure")
        model = real(arch, *args, **kwargs)
        return _Exploding(model) if arch.batch_size == 128 else model

    monkeypatch.setattr(nas_model, "build_model", flaky)
    res = _run(tmp_path, retrain=0)
    with Store(tmp_path / "run" / "study.db") as store:
        failed = store.candidates(status="failed")
        in_training = [c for c in failed if "injected failure" in c.error]
        at_build = [c for c in failed if "injected build failure" in c.error]
        assert in_training and len(in_training) + len(at_build) == len(failed)
        # The budget counts trainings: a failed training is one, a network that cannot be built is not.
        assert store.count(status="done") + len(in_training) == 8
    assert all(json.loads(r["arch"])["batch_size"] == 64 for r in res.front)


_CHILD = """
import sys, torch
torch.set_num_threads(1)
from evonas.nas.search import search
search("digits", out=sys.argv[1], budget=12, population=4, retrain=0, seed=5, progress=False, space={space}, workers=1)
"""


def test_resume_after_kill_loses_and_repeats_nothing(tmp_path):
    run = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(space=repr(TINY)), str(run)], env=env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if (run / "study.db").exists():
                with Store(run / "study.db") as store:
                    if store.count(status="done") >= 6:
                        break
            if child.poll() is not None:
                pytest.fail("the search ended before it could be killed")
            time.sleep(0.05)
        else:
            pytest.fail("the search did not make progress")
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    with Store(run / "study.db") as store:
        before = {c.id: c.objectives for c in store.candidates(status="done")}
    res = search(resume=run, progress=False)
    with Store(run / "study.db") as store:
        after = store.candidates()
        assert {c.status for c in after} <= {"done", "failed", "infeasible"}
        # Nothing finished before the kill was trained again or lost.
        for cid, objectives in before.items():
            assert store.get(cid).objectives == objectives
        keys = [(c.generation, tuple(c.genome)) for c in after]
        assert len(keys) == len(set(keys)), "a candidate was stored twice"
        assert store.count(status="done") + store.count(status="failed") == 12
    assert res.n_trained == 12


def test_settings_and_data_errors(tmp_path):
    with pytest.raises(ValueError, match="objective"):
        _run(tmp_path, objectives=("accuracy", "speed"))
    with pytest.raises(ValueError, match="population"):
        SearchSettings(population=1)
    with pytest.raises(ValueError, match="budget"):
        SearchSettings(budget=None, time_limit=None)
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros((20, 4)), y=np.zeros(20))
    with pytest.raises(ValueError, match="class"):
        search(str(bad), out=tmp_path / "b", progress=False, budget=2, population=4)
    assert not (tmp_path / "b" / "weights").exists()
    with pytest.raises(FileNotFoundError):
        search(resume=tmp_path / "nothing", progress=False)


def test_cli_search_and_report(tmp_path, capsys):
    config = tmp_path / "cfg.toml"
    config.write_text(
        "population = 4\nretrain = 0\nseed = 1\nworkers = 1\n[space]\nmax_blocks = 1\nwidths = [4]\nepochs = [1, 1]\n"
        'block_types = ["identity", "dense"]\n'
    )
    out = tmp_path / "cli"
    assert cli_main(["search", "--config", str(config), "--budget", "4", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "front (" in printed
    assert cli_main(["report", str(out), "--no-plot"]) == 0
    assert ": 4 done" in capsys.readouterr().out
    assert cli_main(["report", str(tmp_path / "missing")]) == 2
    with pytest.raises(SystemExit):
        cli_main(["search", "--time", "ten minutes"])


def test_worker_processes_give_the_same_search(tmp_path):
    # Each candidate's training is deterministic for its seed (one thread in
    # the workers as here), so training two at a time changes nothing.
    serial = _run(tmp_path, "serial", budget=4, retrain=0)
    parallel = _run(tmp_path, "parallel", budget=4, retrain=0, workers=2)
    assert [r["values"] for r in serial.front] == [r["values"] for r in parallel.front]
