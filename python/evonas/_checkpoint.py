"""`minimize`'s checkpoint file: the run's state after a generation, written atomically.

The file is a pickle of the algorithm (which resumes bit-identically), the
history so far and the seconds spent, tagged with a format marker and the
problem's signature so that a checkpoint is never resumed on another problem
or with another algorithm. Like any pickle, load only files you wrote.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any, NamedTuple

_FORMAT = "evonas.minimize.checkpoint"
_VERSION = 1


class Saved(NamedTuple):
    """A run's state as read from its checkpoint."""

    algorithm: Any
    history: list
    elapsed: float


def as_path(checkpoint: Any) -> Path | None:
    """The checkpoint argument as a Path (None: no checkpoint)."""
    if checkpoint is None:
        return None
    if not isinstance(checkpoint, (str, os.PathLike)):
        raise TypeError(f"'checkpoint' must be a file path (str or os.PathLike) or None, but it is {checkpoint!r}")
    path = Path(checkpoint)
    if path.is_dir():
        raise ValueError(f"'checkpoint' must be a file path, but {str(path)!r} is a directory")
    return path


def _signature(problem: Any) -> tuple:
    return (type(problem).__qualname__, problem.n_var, problem.n_obj, problem.n_ieq_constr)


def save(path: Path, problem: Any, algorithm: Any, history: list, elapsed: float) -> None:
    """Write the state to `path` atomically: a crash leaves the old file or the new one."""
    state = {
        "format": _FORMAT,
        "version": _VERSION,
        "problem": _signature(problem),
        "algorithm": algorithm,
        "history": history,
        "elapsed": elapsed,
    }
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path: Path, problem: Any, algorithm: Any, seed: int | None) -> Saved:
    """Read a checkpoint and check that it continues this run.

    Raises
    ------
    ValueError
        If the file is not a checkpoint of this version, or was written for
        another problem (class, n_var, n_obj, constraints), another
        algorithm class or another seed.
    """
    try:
        with open(path, "rb") as f:
            state = pickle.load(f)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError) as exc:
        raise ValueError(f"'checkpoint' file {str(path)!r} could not be read as an evonas checkpoint: {exc}") from None
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(f"'checkpoint' file {str(path)!r} is not an evonas minimize checkpoint")
    if state.get("version") != _VERSION:
        raise ValueError(
            f"'checkpoint' file {str(path)!r} has format version {state.get('version')!r}; this evonas reads {_VERSION}"
        )
    if state["problem"] != _signature(problem):
        raise ValueError(
            f"'checkpoint' file {str(path)!r} was written for the problem {state['problem']} "
            f"(class, n_var, n_obj, n_ieq_constr), not {_signature(problem)}"
        )
    saved = state["algorithm"]
    if type(saved) is not type(algorithm):
        raise ValueError(
            f"'checkpoint' file {str(path)!r} holds a {type(saved).__name__} run, not a {type(algorithm).__name__} one"
        )
    if seed is not None and saved.seed != seed:
        raise ValueError(f"'checkpoint' file {str(path)!r} holds a run with seed {saved.seed}, not {seed}")
    return Saved(saved, list(state["history"]), float(state["elapsed"]))
