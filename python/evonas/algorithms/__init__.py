"""Evolutionary algorithms with an ask/tell interface.

>>> from evonas.problems import ZDT1
>>> problem = ZDT1(n_var=5)
>>> algorithm = NSGA2(pop_size=20).setup(problem, seed=1)
>>> for _ in range(3):
...     X = algorithm.ask()
...     algorithm.tell(*problem.evaluate(X))
>>> algorithm.n_gen
3
"""

from __future__ import annotations

from .base import Algorithm
from .genetic import GeneticAlgorithm
from .moead import MOEAD
from .nsga2 import NSGA2
from .nsga3 import NSGA3
from .ref_dirs import das_dennis
from .sms_emoa import SMSEMOA

__all__ = ["Algorithm", "GeneticAlgorithm", "MOEAD", "NSGA2", "NSGA3", "SMSEMOA", "das_dennis"]
