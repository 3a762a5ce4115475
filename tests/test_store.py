"""The SQLite study store: round trips, states, run metadata, crash safety, concurrent readers."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import evonas
from evonas.store import SCHEMA_VERSION, STATUSES, Candidate, Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "run.db") as s:
        yield s


def test_round_trip_of_every_field(tmp_path):
    path = tmp_path / "run.db"
    arch = '{"blocks": [{"type": "conv", "width": 16}], "lr": 0.01}'
    curve = [{"epoch": 1, "val_accuracy": 0.5}, {"epoch": 2, "val_accuracy": 0.75}]
    with Store(path) as s:
        parent = s.add(np.array([0.5, 1.0]), generation=0)
        child = s.add([0.25, 2, 3.5], generation=1, arch=arch, parent_ids=[parent, parent], seed=99)
        s.mark_running(child)
        s.finish(
            child,
            objectives={"error": 0.1, "params": 1234},
            constraints=np.array([-0.5, 0.0]),
            curve=curve,
            timings={"train": 1.5},
            fidelity=2,
        )
    with Store(path) as s:  # reopened: everything was on disk
        c = s.get(child)
        assert isinstance(c, Candidate)
        assert c.id == child and c.generation == 1 and c.seed == 99
        assert c.genome == (0.25, 2.0, 3.5) and all(type(g) is float for g in c.genome)
        assert c.arch == arch and c.parent_ids == (parent, parent)
        assert c.status == "done" and c.error is None
        assert c.objectives == {"error": 0.1, "params": 1234.0}
        assert c.constraints == (-0.5, 0.0) and c.curve == curve and c.timings == {"train": 1.5}
        assert c.fidelity == 2 and c.created <= c.updated
        p = s.get(parent)
        assert p.status == "pending" and p.arch is None and p.parent_ids == () and p.seed is None
        assert p.objectives is None and p.constraints is None and p.fidelity == 0
        with pytest.raises(AttributeError):
            c.status = "failed"  # frozen


@pytest.mark.parametrize("seed", [0, 2**31, 2**63 - 1, 2**63, 2**64 - 1])
def test_every_seed_round_trips(store, seed):
    assert store.get(store.add([1.0], generation=0, seed=seed)).seed == seed


def test_non_finite_objectives_round_trip(store):
    i = store.add([1.0], generation=0)
    store.finish(i, objectives={"a": math.inf, "b": -math.inf, "c": math.nan})
    got = store.get(i).objectives
    assert got["a"] == math.inf and got["b"] == -math.inf and math.isnan(got["c"])


def test_queries_filter_and_keep_order(store):
    ids = [store.add([float(k)], generation=k % 2) for k in range(6)]
    store.mark_running(ids[0])
    store.finish(ids[0], objectives={"f": 1.0})
    store.fail(ids[1], "boom")
    store.fail(ids[2], "too big", status="infeasible", constraints=[5.0])
    assert [c.id for c in store.candidates()] == ids
    assert [c.id for c in store.candidates(generation=0)] == ids[0::2]
    assert [c.id for c in store.candidates(status="pending")] == ids[3:]
    assert [c.id for c in store.candidates(status="pending", generation=1)] == [ids[3], ids[5]]
    assert store.count() == 6 and store.count("done") == 1 and store.count("failed") == 1
    assert store.count("infeasible") == 1 and store.count(generation=1) == 3 and store.count("running") == 0
    failed = store.get(ids[1])
    assert failed.status == "failed" and failed.error == "boom" and failed.objectives is None
    assert store.get(ids[2]).constraints == (5.0,)


def test_status_transitions(store):
    i = store.add([1.0], generation=0)
    store.mark_running(i)
    store.mark_running(i)  # an interrupted candidate is trained again
    store.finish(i, objectives={"f": 1.0}, fidelity=2)
    with pytest.raises(ValueError, match=r"candidate 1 is 'done'; it must be 'pending' or 'running' to become 'done'"):
        store.finish(i, objectives={"f": 0.5})
    with pytest.raises(ValueError, match="is 'done'"):
        store.fail(i, "late")
    store.mark_running(i)  # promoted: trained further at a higher fidelity
    store.finish(i, objectives={"f": 0.5}, fidelity=4)
    assert store.get(i).objectives == {"f": 0.5} and store.get(i).fidelity == 4
    j = store.add([1.0], generation=0)
    store.fail(j, "nan loss", fidelity=1)
    for action in (lambda: store.mark_running(j), lambda: store.finish(j, objectives={"f": 1.0})):
        with pytest.raises(ValueError, match="is 'failed'"):
            action()
    assert store.get(j).fidelity == 1


def test_infeasible_with_objective_values(store):
    i = store.add([1.0], generation=0)
    store.finish(i, objectives={"params": 5e6}, constraints=[4e6], status="infeasible", error="breaks params <= 1e6")
    c = store.get(i)
    assert (c.status, c.error) == ("infeasible", "breaks params <= 1e6")
    assert (c.objectives, c.constraints) == ({"params": 5e6}, (4e6,))
    assert store.candidates(status="done") == []


def test_finish_keeps_fidelity_when_omitted(store):
    i = store.add([1.0], generation=0)
    store.mark_running(i)
    store.finish(i, objectives={"f": 1.0}, fidelity=3)
    store.mark_running(i)
    store.finish(i, objectives={"f": 2.0})
    assert store.get(i).fidelity == 3


def test_meta(store):
    with pytest.raises(KeyError, match="no run metadata 'config'"):
        store.get_meta("config")
    assert store.get_meta("config", None) is None and store.get_meta("config", {}) == {}
    store.set_meta("config", {"pop_size": 20, "objectives": ["error", "params"]})
    store.set_meta("seed", 7)
    store.set_meta("seed", 8)
    assert store.get_meta("config") == {"pop_size": 20, "objectives": ["error", "params"]}
    assert store.meta() == {"config": {"pop_size": 20, "objectives": ["error", "params"]}, "seed": 8}


def test_state_slot(store):
    assert store.load_state() is None
    store.save_state(b"\x00first", 0)
    store.save_state(bytearray(b"second"), 3)
    assert store.load_state() == (b"second", 3)


def test_transaction_groups_a_result_with_the_state(tmp_path):
    path = tmp_path / "run.db"
    with Store(path) as s:
        i = s.add([1.0], generation=0)
        s.mark_running(i)
        with s.transaction():
            s.finish(i, objectives={"f": 1.0})
            s.save_state(b"gen0", 0)
        j = s.add([2.0], generation=1)
        s.mark_running(j)
        with pytest.raises(RuntimeError, match="crash inside"):
            with s.transaction():
                s.finish(j, objectives={"f": 2.0})
                s.save_state(b"gen1", 1)
                raise RuntimeError("crash inside the transaction")
        assert s.get(j).status == "running" and s.load_state() == (b"gen0", 0)  # both rolled back
        s.finish(j, objectives={"f": 2.0})  # the store is usable afterwards
    with Store(path) as s:
        assert s.load_state() == (b"gen0", 0) and s.get(j).status == "done"


def test_interrupted_candidates_are_reported(tmp_path):
    path = tmp_path / "run.db"
    with Store(path) as s:
        a, b, c = (s.add([float(k)], generation=0) for k in range(3))
        s.mark_running(a)
        s.mark_running(b)
        s.finish(b, objectives={"f": 1.0})
        s.mark_running(c)
        assert s.interrupted() == []  # nothing was running when it was opened
    with Store(path) as s:
        assert [x.id for x in s.interrupted()] == [a, c]
        s.finish(a, objectives={"f": 0.0})
        assert [x.id for x in s.interrupted()] == [c]


def test_file_settings_and_schema(tmp_path):
    path = tmp_path / "run.db"
    with Store(path) as s:
        assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"candidates", "meta", "state"} <= tables
    with pytest.raises(sqlite3.IntegrityError):  # the schema itself refuses unknown statuses
        conn.execute(
            "INSERT INTO candidates (generation, genome, parent_ids, status, created, updated) "
            "VALUES (0, '[]', '[]', 'odd', 0, 0)"
        )
    conn.close()
    assert set(STATUSES) == {"pending", "running", "done", "failed", "infeasible"}


def test_files_that_are_not_stores_are_refused(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("just some text, long enough to look like a header................................" * 2)
    with pytest.raises(ValueError, match="is not a SQLite database"):
        Store(text)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match="not an evonas study store"):
        Store(other)
    newer = tmp_path / "newer.db"
    Store(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match=f"schema version {SCHEMA_VERSION + 1}.*upgrade evonas"):
        Store(newer)
    with pytest.raises(ValueError, match="is a directory"):
        Store(tmp_path)
    with pytest.raises(ValueError, match="cannot open"):
        Store(tmp_path / "no such folder" / "run.db")
    with pytest.raises(TypeError, match="'path'"):
        Store(3)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda s: s.add([[1.0]], generation=0), ValueError, "'genome' must be a 1-D vector"),
        (lambda s: s.add([1.0, math.nan], generation=0), ValueError, "'genome' must be finite"),
        (lambda s: s.add(["a"], generation=0), TypeError, "'genome' must be a numeric vector"),
        (lambda s: s.add([1.0], generation=-1), ValueError, "'generation' must be an int >= 0"),
        (lambda s: s.add([1.0], generation=True), TypeError, "'generation' must be an int"),
        (lambda s: s.add([1.0], generation=0, seed=1.5), TypeError, "'seed'"),
        (lambda s: s.add([1.0], generation=0, seed=2**64), ValueError, "'seed' must be in"),
        (lambda s: s.add([1.0], generation=0, parent_ids=[1, 99]), ValueError, "'parent_ids' must be ids of recorded"),
        (lambda s: s.add([1.0], generation=0, parent_ids=7), TypeError, "'parent_ids' must be a sequence"),
        (lambda s: s.add([1.0], generation=0, arch={"a": 1}), TypeError, "'arch' must be JSON text"),
        (lambda s: s.add([1.0], generation=0, arch="{blocks"), ValueError, "'arch' must be JSON text, but it does not"),
        (lambda s: s.finish(1, objectives=[1.0]), TypeError, "'objectives' must be a dict"),
        (lambda s: s.finish(1, objectives={"f": "low"}), TypeError, "'objectives' value 'f' must be a real number"),
        (lambda s: s.finish(1, objectives={1: 1.0}), TypeError, "'objectives' keys must be str"),
        (lambda s: s.finish(1, objectives={"f": 1.0}, status="failed"), ValueError, "'status' must be 'done' or"),
        (lambda s: s.finish(1, objectives={"f": 1.0}, error=3), TypeError, "'error' must be None or"),
        (lambda s: s.finish(1, objectives={"f": 1.0}, constraints={"c": 1.0}), TypeError, "'constraints' must be a seq"),
        (lambda s: s.finish(1, objectives={"f": 1.0}, constraints=[[1.0]]), TypeError, "'constraints' item 0 must"),
        (lambda s: s.finish(1, objectives={"f": 1.0}, timings={"t": None}), TypeError, "'timings' value 't'"),
        (lambda s: s.finish(1, objectives={"f": 1.0}, curve="x"), TypeError, "'curve' must be a list of dicts"),
        (lambda s: s.finish(1, objectives={"f": 1.0}, curve=[1]), TypeError, "'curve entry' must be a dict"),
        (lambda s: s.finish(1, objectives={"f": 1.0}, fidelity=-2), ValueError, "'fidelity'"),
        (lambda s: s.finish(99, objectives={"f": 1.0}), KeyError, "no candidate with id 99"),
        (lambda s: s.mark_running(99), KeyError, "no candidate with id 99"),
        (lambda s: s.get(99), KeyError, "no candidate with id 99"),
        (lambda s: s.get("1"), TypeError, "'id' must be an int"),
        (lambda s: s.fail(1, ""), TypeError, "'error' must be a non-empty str"),
        (lambda s: s.fail(1, "x", status="done"), ValueError, "'status' must be 'failed' or 'infeasible'"),
        (lambda s: s.candidates(status="finished"), ValueError, "'status' must be None or one of"),
        (lambda s: s.count(generation=-1), ValueError, "'generation'"),
        (lambda s: s.set_meta("", 1), TypeError, "'key' must be a non-empty str"),
        (lambda s: s.set_meta("k", {1, 2}), TypeError, "JSON-serialisable"),
        (lambda s: s.save_state("text", 0), TypeError, "'blob' must be bytes"),
        (lambda s: s.save_state(b"x", -1), ValueError, "'generation'"),
    ],
)
def test_bad_arguments(store, call, error, match):
    store.add([1.0], generation=0)
    with pytest.raises(error, match=match):
        call(store)
    assert store.count() == 1 and store.get(1).status == "pending"  # nothing half-written


def test_closed_store_refuses_use(tmp_path):
    s = Store(tmp_path / "run.db")
    s.close()
    s.close()
    with pytest.raises(sqlite3.ProgrammingError):
        s.count()


# ------------------------------------------------------------------ crashes

_WRITER = textwrap.dedent(
    """
    import sys
    from evonas.store import Store

    store = Store(sys.argv[1])
    store.set_meta("writer", "started")
    k = 0
    while True:  # until killed
        i = store.add([float(k), 0.5], generation=k // 10, arch='{"k": %d}' % k)
        store.mark_running(i)
        with store.transaction():
            store.finish(i, objectives={"k": float(k)}, curve=[{"epoch": 1, "loss": k / 7}], fidelity=1)
            store.save_state(b"state-%d" % k, k // 10)
        print(i, k, flush=True)
        k += 1
    """
)


def test_sigkill_loses_nothing_committed(tmp_path):
    path = tmp_path / "run.db"
    env = dict(os.environ, PYTHONPATH=str(Path(os.path.abspath(evonas.__file__)).parent.parent))  # this evonas
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    reported = []
    try:
        for line in proc.stdout:
            reported.append(tuple(int(v) for v in line.split()))
            if len(reported) == 40:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL and len(reported) == 40
    # The file is consistent and holds every result the writer reported as committed.
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with Store(path) as s:
        assert s.get_meta("writer") == "started"
        done = s.candidates(status="done")
        assert len(done) >= 40
        for i, k in reported:
            c = s.get(i)
            assert c.status == "done" and c.genome == (float(k), 0.5) and c.arch == '{"k": %d}' % k
            assert c.objectives == {"k": float(k)} and c.curve == [{"epoch": 1, "loss": k / 7}]
        last = done[-1]
        assert s.load_state() == (b"state-%d" % last.objectives["k"], int(last.objectives["k"]) // 10)
        # Whatever was cut short is pending or running, never half-finished.
        for c in s.candidates():
            assert (c.status == "done") == (c.objectives is not None)
        assert {c.status for c in s.candidates()} <= {"done", "running", "pending"}
        assert [c.id for c in s.interrupted()] == [c.id for c in s.candidates(status="running")]
        s.add([1.0], generation=9)  # and it can be written again


def test_reader_while_writing(tmp_path):
    path = tmp_path / "run.db"
    n = 60
    errors = []

    def write():
        try:
            with Store(path) as w:
                for k in range(n):
                    i = w.add([float(k)], generation=0)
                    w.mark_running(i)
                    w.finish(i, objectives={"k": float(k)}, timings={"train": 0.0})
        except Exception as exc:  # noqa: BLE001 -- reported by the main thread
            errors.append(exc)

    Store(path).close()  # create the schema before the reader starts
    writer = threading.Thread(target=write)
    with Store(path) as reader:
        writer.start()
        seen = []
        while writer.is_alive() or not seen or seen[-1] < n:
            count = reader.count()
            assert not seen or count >= seen[-1]
            for c in reader.candidates():
                assert (c.status == "done") == (c.objectives is not None and c.timings is not None)
            seen.append(count)
            if not writer.is_alive() and count == n:
                break
        writer.join()
    assert not errors, errors
    assert seen[-1] == n and len(set(seen)) > 2  # the reader saw the file grow
    with Store(path) as s:
        assert [c.objectives["k"] for c in s.candidates()] == [float(k) for k in range(n)]
