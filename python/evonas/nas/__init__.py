"""Neural architecture search: genomes that decode to PyTorch models.

Importing this package does not import torch; the functions that build or
train models do, when called.
"""

from __future__ import annotations

from .arch import Architecture, Block
from .data import DataSplits, load_data
from .report import load_model, report_text
from .search import SearchResult, SearchSettings, search
from .space import NASSpace

__all__ = [
    "Architecture",
    "Block",
    "DataSplits",
    "NASSpace",
    "SearchResult",
    "SearchSettings",
    "load_data",
    "load_model",
    "report_text",
    "search",
]
