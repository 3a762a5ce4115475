"""The study store: every candidate of a search run in one SQLite file.

Each change is committed in its own transaction as it happens (WAL journal,
``synchronous=FULL``), so a run killed at any moment keeps everything already
recorded and the file stays consistent; reopening it reports the candidates
that were being trained (:meth:`Store.interrupted`) so the search can train
them again. Other processes may read the file while a run writes it.

Values are stored as JSON text (genomes, architectures, objectives, ...);
Python's JSON writes non-finite floats as ``NaN`` and ``Infinity``, which it
reads back.
"""

from __future__ import annotations

import json
import numbers
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._validation import as_int_at_least, as_seed

__all__ = ["Store", "Candidate", "STATUSES", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
STATUSES = ("pending", "running", "done", "failed", "infeasible")
_APPLICATION_ID = 0x45564E53  # "EVNS": marks a file as an evonas store
_BUSY_TIMEOUT_S = 30.0
_MISSING = object()

_SCHEMA = f"""
CREATE TABLE candidates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    generation   INTEGER NOT NULL,
    seed         INTEGER,
    genome       TEXT NOT NULL,
    arch         TEXT,
    parent_ids   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ({", ".join(repr(s) for s in STATUSES)})),
    objectives   TEXT,
    constraints  TEXT,
    curve        TEXT,
    timings      TEXT,
    fidelity     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    created      REAL NOT NULL,
    updated      REAL NOT NULL
);
CREATE INDEX candidates_status ON candidates (status);
CREATE INDEX candidates_generation ON candidates (generation);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE state (
    slot       INTEGER PRIMARY KEY CHECK (slot = 0),
    generation INTEGER NOT NULL,
    blob       BLOB NOT NULL,
    updated    REAL NOT NULL
);
PRAGMA application_id = {_APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION}
"""

_COLUMNS = (
    "id, generation, seed, genome, arch, parent_ids, status, objectives, constraints, "
    "curve, timings, fidelity, error, created, updated"
)


@dataclass(frozen=True)
class Candidate:
    """One recorded candidate, as read from the store.

    Attributes
    ----------
    id : int
    generation : int
    seed : int or None
    genome : tuple of float
    arch : str or None
        The decoded architecture as JSON text (``Architecture.to_json()``).
    parent_ids : tuple of int
        Ids of the candidates it was bred from.
    status : {"pending", "running", "done", "failed", "infeasible"}
    objectives : dict of str to float, or None
    constraints : tuple of float, or None
        Constraint values (violations: > 0 is infeasible).
    timings : dict of str to float, or None
        Seconds per phase.
    curve : list of dict or None
        The training curve, one entry per epoch.
    fidelity : int
        Epochs trained.
    error : str or None
    created, updated : float
        Unix time, seconds.
    """

    id: int
    generation: int
    seed: int | None
    genome: tuple[float, ...]
    arch: str | None
    parent_ids: tuple[int, ...]
    status: str
    objectives: dict[str, float] | None
    constraints: tuple[float, ...] | None
    curve: list[dict[str, Any]] | None
    timings: dict[str, float] | None
    fidelity: int
    error: str | None
    created: float
    updated: float


class Store:
    """A SQLite study store, one file per search run.

    Parameters
    ----------
    path : str or os.PathLike
        Created with the schema when missing; an existing file must be an
        evonas store of a schema version this evonas reads.

    Raises
    ------
    ValueError
        If `path` is a file that is not an evonas store, or was written by a
        newer schema version.

    Notes
    -----
    Each write method commits at once. Group several writes into one
    transaction with :meth:`transaction`, e.g. a generation's last result and
    the search state. The store may be used from several threads (a lock
    serialises them) and read by other processes while one writes.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"'path' must be a str or os.PathLike, but it is {type(path).__name__}")
        self.path = Path(path)
        if self.path.is_dir():
            raise ValueError(f"'path' must be a file, but {str(self.path)!r} is a directory")
        self._lock = threading.RLock()
        self._depth = 0
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise ValueError(f"'path': cannot open {str(self.path)!r} as a SQLite file: {exc}") from None
        try:
            self._open()
        except BaseException:
            self._conn.close()
            raise
        running = self._conn.execute("SELECT id FROM candidates WHERE status = 'running'")
        self._interrupted = tuple(r[0] for r in running)

    def _open(self) -> None:
        conn = self._conn
        where = f"'path': {str(self.path)!r}"
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            with self.transaction():
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                n_objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if app_id == 0 and n_objects == 0:  # a new file: create the schema in this transaction
                    for statement in _SCHEMA.split(";"):
                        conn.execute(statement)
                    return
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{where} is not a SQLite database: {exc}") from None
        if app_id != _APPLICATION_ID:
            raise ValueError(f"{where} is a SQLite database, but not an evonas study store")
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"{where} has store schema version {version}, but this evonas reads versions up to "
                f"{SCHEMA_VERSION}; upgrade evonas"
            )
        if version < 1:
            raise ValueError(f"{where} has an invalid store schema version {version}")

    # ------------------------------------------------------------- lifetime

    def close(self) -> None:
        """Close the file; further calls raise. Closing twice is allowed."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one transaction, committed when the block ends.

        Nested blocks join the outer transaction; an exception rolls all of
        it back.
        """
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    # ----------------------------------------------------------- candidates

    def add(
        self,
        genome: Any,
        *,
        generation: int,
        arch: str | None = None,
        parent_ids: Sequence[int] = (),
        seed: int | None = None,
    ) -> int:
        """Record a new candidate as "pending" and return its id.

        Parameters
        ----------
        genome : 1-D array-like of float
        generation : int >= 0
        arch : str, optional
            The decoded architecture as JSON text (``Architecture.to_json()``).
        parent_ids : sequence of int
            Ids of recorded candidates.
        seed : int in [0, 2**64), optional
        """
        genome_json = json.dumps(_genome(genome))
        generation = _non_negative_int(generation, "generation")
        if seed is not None:
            seed = as_seed(seed)
            seed = seed - 2**64 if seed >= 2**63 else seed  # SQLite integers are signed 64-bit
        if arch is not None:
            _json_text(arch, "arch")
        parents = _parent_ids(parent_ids)
        now = time.time()
        with self.transaction():
            unique = sorted(set(parents))
            known = self._conn.execute(
                f"SELECT count(*) FROM candidates WHERE id IN ({', '.join('?' * len(unique))})", unique
            ).fetchone()[0]
            if known != len(unique):
                raise ValueError(f"'parent_ids' must be ids of recorded candidates, but {list(parents)} are not all")
            cur = self._conn.execute(
                "INSERT INTO candidates (generation, seed, genome, arch, parent_ids, status, created, updated) "
                "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                (generation, seed, genome_json, arch, json.dumps(list(parents)), now, now),
            )
            return int(cur.lastrowid)

    def mark_running(self, id: int) -> None:
        """Mark a pending candidate as being trained.

        A running one (interrupted, trained again) or a done one (promoted to
        a higher fidelity) may be marked again.
        """
        self._update(id, ("pending", "running", "done"), status="running")

    def finish(
        self,
        id: int,
        *,
        objectives: Mapping[str, float],
        constraints: Sequence[float] | None = None,
        curve: Sequence[Mapping[str, Any]] | None = None,
        timings: Mapping[str, float] | None = None,
        fidelity: int | None = None,
        status: str = "done",
        error: str | None = None,
    ) -> None:
        """Record the objective values of a pending or running candidate.

        Parameters
        ----------
        objectives : dict of str to float
        constraints : sequence of float, optional
            Constraint values (violations: > 0 is infeasible).
        curve : list of dict, optional
            The training curve, one entry per epoch.
        timings : dict of str to float, optional
            Seconds spent per phase.
        fidelity : int >= 0, optional
            Epochs trained; kept as it was when omitted.
        status : {"done", "infeasible"}
            "infeasible": evaluated (e.g. its cheap costs) but breaking a
            constraint, so not trained.
        error : str, optional
            Why it is infeasible.
        """
        if status not in ("done", "infeasible"):
            raise ValueError(f"'status' must be 'done' or 'infeasible', but it is {status!r}")
        if error is not None and (not isinstance(error, str) or not error):
            raise TypeError(f"'error' must be None or a non-empty str, but it is {error!r}")
        values: dict[str, Any] = {"status": status, "error": error, "objectives": json.dumps(_objectives(objectives))}
        values.update(self._results(constraints, curve, timings, fidelity))
        self._update(id, ("pending", "running"), **values)

    def fail(
        self,
        id: int,
        error: str,
        *,
        status: str = "failed",
        constraints: Sequence[float] | None = None,
        curve: Sequence[Mapping[str, Any]] | None = None,
        timings: Mapping[str, float] | None = None,
        fidelity: int | None = None,
    ) -> None:
        """Record that a pending or running candidate gave no objective values.

        Parameters
        ----------
        error : str
            What went wrong (an exception's text, a violated constraint).
        status : {"failed", "infeasible"}
        constraints, curve, timings, fidelity
            As for :meth:`finish`, when known.
        """
        if not isinstance(error, str) or not error:
            raise TypeError(f"'error' must be a non-empty str, but it is {error!r}")
        if status not in ("failed", "infeasible"):
            raise ValueError(f"'status' must be 'failed' or 'infeasible', but it is {status!r}")
        values: dict[str, Any] = {"status": status, "error": error}
        values.update(self._results(constraints, curve, timings, fidelity))
        self._update(id, ("pending", "running"), **values)

    def get(self, id: int) -> Candidate:
        """The candidate with this id; KeyError when there is none."""
        id = _non_negative_int(id, "id")
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM candidates WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise KeyError(f"no candidate with id {id} in {str(self.path)!r}")
        return _candidate(row)

    def candidates(self, status: str | None = None, generation: int | None = None) -> list[Candidate]:
        """Recorded candidates in the order they were added, optionally filtered."""
        where, args = self._filter(status, generation)
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM candidates{where} ORDER BY id", args).fetchall()
        return [_candidate(r) for r in rows]

    def count(self, status: str | None = None, generation: int | None = None) -> int:
        """Number of recorded candidates, optionally filtered."""
        where, args = self._filter(status, generation)
        with self._lock:
            return int(self._conn.execute(f"SELECT count(*) FROM candidates{where}", args).fetchone()[0])

    def interrupted(self) -> list[Candidate]:
        """Candidates found "running" when the store was opened and still running.

        After a crash these were being trained; the search trains them again.
        """
        return [c for c in (self.get(i) for i in self._interrupted) if c.status == "running"]

    # ----------------------------------------------------------- run state

    def set_meta(self, key: str, value: Any) -> None:
        """Set a run metadata entry (JSON-serialisable value), replacing any old one."""
        key = _key(key)
        text = _json(value, f"value of {key!r}")
        with self.transaction():
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, text))

    def get_meta(self, key: str, default: Any = _MISSING) -> Any:
        """A run metadata entry; `default` when it is not set, or KeyError without one."""
        key = _key(key)
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return json.loads(row[0])
        if default is _MISSING:
            raise KeyError(f"no run metadata {key!r} in {str(self.path)!r}")
        return default

    def meta(self) -> dict[str, Any]:
        """All run metadata entries."""
        with self._lock:
            rows = self._conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def save_state(self, blob: bytes, generation: int) -> None:
        """Replace the saved search state (e.g. the pickled algorithm) after `generation`."""
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise TypeError(f"'blob' must be bytes, but it is {type(blob).__name__}")
        generation = _non_negative_int(generation, "generation")
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO state (slot, generation, blob, updated) VALUES (0, ?, ?, ?)",
                (generation, bytes(blob), time.time()),
            )

    def load_state(self) -> tuple[bytes, int] | None:
        """The saved search state and its generation, or None when none was saved."""
        with self._lock:
            row = self._conn.execute("SELECT blob, generation FROM state WHERE slot = 0").fetchone()
        return None if row is None else (bytes(row[0]), int(row[1]))

    # -------------------------------------------------------------- helpers

    def _results(self, constraints: Any, curve: Any, timings: Any, fidelity: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if constraints is not None:
            values["constraints"] = json.dumps(_floats(constraints, "constraints"))
        if curve is not None:
            if isinstance(curve, (str, bytes)) or not isinstance(curve, Sequence):
                raise TypeError(f"'curve' must be a list of dicts (one per epoch), but it is {type(curve).__name__}")
            values["curve"] = _json([_mapping(e, "curve entry") for e in curve], "curve")
        if timings is not None:
            values["timings"] = json.dumps(_objectives(timings, "timings"))
        if fidelity is not None:
            values["fidelity"] = _non_negative_int(fidelity, "fidelity")
        return values

    def _update(self, id: int, allowed: tuple[str, ...], **values: Any) -> None:
        id = _non_negative_int(id, "id")
        values["updated"] = time.time()
        with self.transaction():
            row = self._conn.execute("SELECT status FROM candidates WHERE id = ?", (id,)).fetchone()
            if row is None:
                raise KeyError(f"no candidate with id {id} in {str(self.path)!r}")
            if row[0] not in allowed:
                wanted = " or ".join(map(repr, allowed))
                raise ValueError(f"candidate {id} is {row[0]!r}; it must be {wanted} to become {values['status']!r}")
            assignments = ", ".join(f"{name} = ?" for name in values)
            self._conn.execute(f"UPDATE candidates SET {assignments} WHERE id = ?", (*values.values(), id))

    @staticmethod
    def _filter(status: str | None, generation: int | None) -> tuple[str, list[Any]]:
        clauses, args = [], []
        if status is not None:
            if status not in STATUSES:
                raise ValueError(f"'status' must be None or one of {STATUSES}, but it is {status!r}")
            clauses.append("status = ?")
            args.append(status)
        if generation is not None:
            clauses.append("generation = ?")
            args.append(_non_negative_int(generation, "generation"))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _candidate(row: tuple[Any, ...]) -> Candidate:
    def load(text: str | None) -> Any:
        return None if text is None else json.loads(text)

    return Candidate(
        id=row[0],
        generation=row[1],
        seed=None if row[2] is None else row[2] % 2**64,
        genome=tuple(json.loads(row[3])),
        arch=row[4],
        parent_ids=tuple(json.loads(row[5])),
        status=row[6],
        objectives=load(row[7]),
        constraints=None if row[8] is None else tuple(json.loads(row[8])),
        curve=load(row[9]),
        timings=load(row[10]),
        fidelity=row[11],
        error=row[12],
        created=row[13],
        updated=row[14],
    )


def _json(value: Any, name: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"'{name}' must be JSON-serialisable: {exc}") from None


def _non_negative_int(value: Any, name: str) -> int:
    return as_int_at_least(value, name, 0)


def _key(key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise TypeError(f"'key' must be a non-empty str, but it is {key!r}")
    return key


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"'{name}' must be a dict, but it is {type(value).__name__}")
    return dict(value)


def _real(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number, but it is {value!r}")
    return float(value)


def _objectives(value: Any, name: str = "objectives") -> dict[str, float]:
    out = {}
    for k, v in _mapping(value, name).items():
        if not isinstance(k, str):
            raise TypeError(f"'{name}' keys must be str, but it has key {k!r}")
        out[k] = _real(v, f"'{name}' value {k!r}")
    return out


def _floats(value: Any, name: str) -> list[float]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"'{name}' must be a sequence of floats, but it is {type(value).__name__}")
    items = value.tolist() if isinstance(value, np.ndarray) else list(value)
    return [_real(v, f"'{name}' item {i}") for i, v in enumerate(items)]


def _json_text(text: Any, name: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"'{name}' must be JSON text (a str), but it is {type(text).__name__}")
    try:
        json.loads(text)
    except ValueError as exc:
        raise ValueError(f"'{name}' must be JSON text, but it does not parse: {exc}") from None


def _genome(genome: Any) -> list[float]:
    arr = np.asarray(genome)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"'genome' must be a numeric vector, but its dtype is {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"'genome' must be a 1-D vector, but it has shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("'genome' must be finite, but it holds NaN or inf")
    return arr.astype(np.float64).tolist()


def _parent_ids(parent_ids: Any) -> tuple[int, ...]:
    if isinstance(parent_ids, (str, bytes)) or not isinstance(parent_ids, Sequence):
        raise TypeError(f"'parent_ids' must be a sequence of candidate ids, but it is {type(parent_ids).__name__}")
    return tuple(_non_negative_int(p, "parent_ids") for p in parent_ids)
