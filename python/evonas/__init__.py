"""evonas: native-accelerated multi-objective evolution and architecture search."""

from __future__ import annotations

try:
    from . import _core  # noqa: F401
except ImportError as exc:  # pragma: no cover - only on a broken install
    raise ImportError(
        "evonas's compiled core (evonas._core) could not be imported. Install the package with "
        "`pip install .` from the source tree (it compiles the C++ core) rather than importing "
        f"it from the source directory. Original error: {exc}"
    ) from exc

from . import cuda, operators, problems
from .algorithms import MOEAD, NSGA2, NSGA3, SMSEMOA, das_dennis
from .distances import gd, gd_plus, igd, igd_plus
from .optimize import Result, minimize
from .indicators import hv_contributions, hypervolume, hypervolume_mc
from .pareto import crowding_distance, non_dominated_sort, nondominated
from .problems import Problem
from .space import Categorical, Integer, Real, Space

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Categorical",
    "Integer",
    "MOEAD",
    "NSGA2",
    "NSGA3",
    "SMSEMOA",
    "Problem",
    "Real",
    "Result",
    "Space",
    "crowding_distance",
    "cuda",
    "das_dennis",
    "gd",
    "gd_plus",
    "hv_contributions",
    "hypervolume",
    "hypervolume_mc",
    "igd",
    "igd_plus",
    "minimize",
    "non_dominated_sort",
    "nondominated",
    "operators",
    "problems",
]
