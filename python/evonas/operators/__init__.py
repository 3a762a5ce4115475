"""Population operators: sampling, selection, crossover, mutation, duplicates.

Thin classes over the native core with pymoo's vocabulary. Every operator
handles a whole population per call (threads over individuals, no Python per
individual), validates its options at construction and its arrays per call,
and returns new arrays. Random draws come from a counter-based Philox
generator keyed by ``(seed, generation, individual)``, so results are the
same for any number of threads.

Examples
--------
>>> from evonas.space import Categorical, Integer, Real, Space
>>> space = Space([Real("lr", 1e-4, 1e-1, log=True), Integer("layers", 1, 8),
...                Categorical("act", ["relu", "gelu"])])
>>> X = LatinHypercubeSampling().do(space, 100, seed=0)
>>> parents = TournamentSelection().do(50, fitness=X[:, 0], seed=0, generation=1)
>>> children = MixedVariation().do(space, X, parents, seed=0, generation=1)
>>> children = eliminate_duplicates(children, against=X)
"""

from __future__ import annotations

from .crossover import SBX, Crossover, PointCrossover, UniformCrossover
from .duplicates import eliminate_duplicates, unique_mask
from .mutation import PM, CategoricalMutation, IntegerMutation, Mutation
from .sampling import LHS, FloatRandomSampling, LatinHypercubeSampling, Sampling
from .selection import TournamentSelection
from .variation import MixedVariation

__all__ = [
    "CategoricalMutation",
    "Crossover",
    "FloatRandomSampling",
    "IntegerMutation",
    "LHS",
    "LatinHypercubeSampling",
    "MixedVariation",
    "Mutation",
    "PM",
    "PointCrossover",
    "SBX",
    "Sampling",
    "TournamentSelection",
    "UniformCrossover",
    "eliminate_duplicates",
    "unique_mask",
]
