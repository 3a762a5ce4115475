# Stubs for the private compiled module; the public API is in evonas/*.py.
import numpy as np
import numpy.typing as npt

def non_dominated_sort(F: npt.NDArray[np.float64], n_stop: int, n_threads: int) -> npt.NDArray[np.int32]: ...
def nondominated(F: npt.NDArray[np.float64], n_threads: int) -> npt.NDArray[np.uint8]: ...
def crowding_distance(
    F: npt.NDArray[np.float64], ranks: npt.NDArray[np.int32], n_threads: int
) -> npt.NDArray[np.float64]: ...
def hypervolume(F: npt.NDArray[np.float64], ref: npt.NDArray[np.float64], n_threads: int) -> float: ...
def hv_contributions(
    F: npt.NDArray[np.float64], ref: npt.NDArray[np.float64], n_threads: int
) -> npt.NDArray[np.float64]: ...
def hypervolume_mc(
    F: npt.NDArray[np.float64], ref: npt.NDArray[np.float64], samples: int, seed: int, n_threads: int
) -> tuple[float, float]: ...
def nearest_distances(
    queries: npt.NDArray[np.float64], sites: npt.NDArray[np.float64], kind: int, n_threads: int
) -> npt.NDArray[np.float64]: ...  # kind 0 euclidean, 1 excess ||max(s - q, 0)||, 2 deficit ||max(q - s, 0)||
def cuda_compiled() -> bool: ...
def cuda_device_count() -> int: ...

# -- population operators (bind_operators.cpp) ---------------------------------
# space = (kinds int8, lower float64, upper float64, log uint8), as evonas.Space holds them.
_SpaceArrays = tuple[
    npt.NDArray[np.int8], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint8]
]
# Per gene kind (real, integer, categorical):
#   crossover (method 0 copy / 1 sbx / 2 uniform, prob, prob_var, eta)
#   mutation  (method 0 none / 1 polynomial / 2 reset / 3 creep, prob, prob_var, eta, step)
_CrossoverEntry = tuple[int, float, float, float]
_MutationEntry = tuple[int, float, float, float, float]

def sample_random(
    space: _SpaceArrays, n: int, seed: int, generation: int, n_threads: int
) -> npt.NDArray[np.float64]: ...
def sample_lhs(space: _SpaceArrays, n: int, seed: int, generation: int, n_threads: int) -> npt.NDArray[np.float64]: ...
def tournament_select(
    n: int,
    n_select: int,
    k: int,
    rank: npt.NDArray[np.int32] | None,
    fitness: npt.NDArray[np.float64] | None,
    crowding: npt.NDArray[np.float64] | None,
    cv: npt.NDArray[np.float64] | None,
    seed: int,
    generation: int,
    n_threads: int,
) -> npt.NDArray[np.int64]: ...
def variation(
    space: _SpaceArrays,
    X: npt.NDArray[np.float64],
    parents: npt.NDArray[np.int64],
    crossover_prob: float,
    n_points: int,
    crossover: list[_CrossoverEntry],
    mutation_prob: float,
    mutation: list[_MutationEntry],
    seed: int,
    generation: int,
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
def mutate(
    space: _SpaceArrays,
    X: npt.NDArray[np.float64],
    mutation_prob: float,
    mutation: list[_MutationEntry],
    seed: int,
    generation: int,
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
def unique_rows(
    X: npt.NDArray[np.float64], against: npt.NDArray[np.float64] | None, n_threads: int
) -> npt.NDArray[np.uint8]: ...
def first_invalid_gene(space: _SpaceArrays, X: npt.NDArray[np.float64], n_threads: int) -> int: ...

# -- survival (bind_survival.cpp) ------------------------------------------------
def nsga2_survival(
    F: npt.NDArray[np.float64], cv: npt.NDArray[np.float64], n_survive: int, truncation: str, n_threads: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]]: ...
def prune_front(
    F: npt.NDArray[np.float64], n_keep: int, truncation: str, n_threads: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def take_rows(
    A: npt.NDArray[np.float64], B: npt.NDArray[np.float64], index: npt.NDArray[np.int64], n_threads: int
) -> npt.NDArray[np.float64]: ...

# -- surrogate (bind_surrogate.cpp) ----------------------------------------------
# The flat node table (feature, threshold, right, value, tree_offset); see surrogate.hpp.
_ForestArrays = tuple[
    npt.NDArray[np.int32],
    npt.NDArray[np.float64],
    npt.NDArray[np.int32],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
]

def forest_fit(
    X: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    n_trees: int,
    max_features: int,
    min_samples_leaf: int,
    max_depth: int,
    bootstrap: bool,
    seed: int,
    n_threads: int,
) -> _ForestArrays: ...
def forest_check(forest: _ForestArrays, n_features: int) -> None: ...
def forest_predict(
    forest: _ForestArrays, n_features: int, X: npt.NDArray[np.float64], n_threads: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...

class _PackedForest:
    """A checked node table prepared for prediction; made only by forest_pack."""

    @property
    def n_features(self) -> int: ...

def forest_pack(forest: _ForestArrays, n_features: int) -> _PackedForest: ...
def forest_predict_packed(
    forest: _PackedForest, X: npt.NDArray[np.float64], n_threads: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...

# CUDA builds only: the submodule `cuda` (cpp/bindings/device/bind_device.cpp),
# whose functions take device addresses (see evonas/_device.py); the
# test-only module evonas._device_emu has the same functions:
#   hypervolume_mc(F: int, n: int, m: int, ref: ndarray, samples: int, seed: int,
#                  device: int, stream: int) -> tuple[float, float]
#   hypervolume_2d(F: int, n: int, ref: ndarray, device: int, stream: int) -> float
#   hv_contributions_2d(F: int, n: int, ref: ndarray, out: int, device: int, stream: int) -> None
#   non_dominated_sort(F: int, n: int, m: int, n_stop: int, out: int, device: int, stream: int) -> None
#   crowding_distance(F: int, n: int, m: int, ranks: int, out: int, device: int, stream: int) -> None
#   non_dominated_sort(..., strategy: int = 0)   (0 auto, 1 scan, 2 divide: 3-objective rounds)
#   nsga2_survival(F, n, m, cv: int, n_survive, index, rank, crowding, device, stream) -> None
#   unique_rows(X, n, m, against: int, n_against, mask, device, stream, hash_bits=64) -> None
#   forest_predict(forest: _PackedForest, X, n, mean, std, device, stream) -> None
#   sample_random(space, n, seed, generation, out, device, stream) -> None   (sample_lhs alike)
#   tournament_select(n, n_select, k, rank, fitness, crowding, cv, seed, generation, winners,
#                     device, stream) -> None   (criteria are addresses, 0 when not given)
#   variation(space, X, n, parents, n_matings, crossover_prob, n_points, crossover,
#             mutation_prob, mutation, seed, generation, out, device, stream) -> None
#   mutate(space, X, n, mutation_prob, mutation, seed, generation, out, device, stream) -> None
#   first_invalid_gene(space, X, n, device, stream) -> int
