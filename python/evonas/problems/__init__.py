"""Optimisation problems: the `Problem` interface, the ZDT and DTLZ benchmarks and constrained DTLZ."""

from __future__ import annotations

from typing import Any

from .base import Problem
from .cdtlz import C1DTLZ1, C1DTLZ3, C2DTLZ2, C3DTLZ1, C3DTLZ4
from .dtlz import DTLZ1, DTLZ2, DTLZ3, DTLZ4, DTLZ5, DTLZ6, DTLZ7
from .functional import from_function
from .zdt import ZDT1, ZDT2, ZDT3, ZDT4, ZDT6

__all__ = [
    "C1DTLZ1", "C1DTLZ3", "C2DTLZ2", "C3DTLZ1", "C3DTLZ4",
    "DTLZ1", "DTLZ2", "DTLZ3", "DTLZ4", "DTLZ5", "DTLZ6", "DTLZ7",
    "Problem", "ZDT1", "ZDT2", "ZDT3", "ZDT4", "ZDT6", "from_function", "get_problem",
]  # fmt: skip

_BUILTIN: dict[str, type[Problem]] = {
    cls.__name__.lower(): cls
    for cls in (ZDT1, ZDT2, ZDT3, ZDT4, ZDT6, DTLZ1, DTLZ2, DTLZ3, DTLZ4, DTLZ5, DTLZ6, DTLZ7,
                C1DTLZ1, C1DTLZ3, C2DTLZ2, C3DTLZ1, C3DTLZ4)
}  # fmt: skip


def get_problem(name: str, /, **kwargs: Any) -> Problem:
    """A built-in problem by name, e.g. ``get_problem("dtlz2", n_obj=5)``.

    Parameters
    ----------
    name : str
        Case-insensitive: "zdt1" .. "zdt4", "zdt6", "dtlz1" .. "dtlz7", "c1dtlz1",
        "c1dtlz3", "c2dtlz2", "c3dtlz1", "c3dtlz4".
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
