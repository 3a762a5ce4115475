"""Optimisation problems: the `Problem` interface and the ZDT and DTLZ benchmarks."""

from __future__ import annotations

from typing import Any

from .base import Problem
from .dtlz import DTLZ1, DTLZ2, DTLZ3, DTLZ4, DTLZ5, DTLZ6, DTLZ7
from .zdt import ZDT1, ZDT2, ZDT3, ZDT4, ZDT6

__all__ = [
    "DTLZ1", "DTLZ2", "DTLZ3", "DTLZ4", "DTLZ5", "DTLZ6", "DTLZ7",
    "Problem", "ZDT1", "ZDT2", "ZDT3", "ZDT4", "ZDT6", "get_problem",
]  # fmt: skip

_BUILTIN: dict[str, type[Problem]] = {
    cls.__name__.lower(): cls for cls in (ZDT1, ZDT2, ZDT3, ZDT4, ZDT6, DTLZ1, DTLZ2, DTLZ3, DTLZ4, DTLZ5, DTLZ6, DTLZ7)
}


def get_problem(name: str, /, **kwargs: Any) -> Problem:
    """A built-in problem by name, e.g. ``get_problem("dtlz2", n_obj=5)``.

    Parameters
    ----------
    name : str
        Case-insensitive: "zdt1" .. "zdt4", "zdt6", "dtlz1" .. "dtlz7".
    **kwargs
        Passed to the problem's constructor (``n_var``, ``n_obj``, ...).
    """
    if not isinstance(name, str):
        raise TypeError(f"'name' must be a str, but it is {name!r}")
    try:
        cls = _BUILTIN[name.strip().lower()]
    except KeyError:
        raise ValueError(f"'name' must be one of {sorted(_BUILTIN)}, but it is {name!r}") from None
    return cls(**kwargs)
