"""NSGA-II with its population on a device (``device=``) against the CPU run.

Backends: the emulated device (the CUDA sources built for the host) holding
numpy arrays or torch CPU tensors, which tests the same plumbing a GPU run
takes, compared bit for bit; and ``cuda`` (torch CUDA tensors; skipped without
a GPU), compared within the ulp-level differences of the GPU's libm.
"""

from __future__ import annotations

import importlib.util
import pickle
from typing import Any

import numpy as np
import pytest

import evonas
from evonas import NSGA2, NSGA3, SMSEMOA, Problem, das_dennis, minimize
from evonas import _device
from evonas.algorithms.base import constraint_violation
from evonas.operators import LatinHypercubeSampling, TournamentSelection
from evonas.problems import DTLZ2, ZDT1
from evonas.space import Categorical, Integer, Real, Space

torch = pytest.importorskip("torch")


def _emulated_present() -> bool:
    return importlib.util.find_spec("evonas._device_emu") is not None


needs_emulated = pytest.mark.skipif(not _emulated_present(), reason="no emulated device build")
EMULATED = [pytest.param("numpy", marks=needs_emulated), pytest.param("torch", marks=needs_emulated)]
needs_cuda = pytest.mark.skipif(not evonas.cuda.is_available(), reason="no CUDA device")


def host(x: Any) -> np.ndarray:
    """A numpy copy of a numpy array or a torch tensor on any device."""
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.array(x)


class MixedConstrained(Problem):
    """Mixed genes, one constraint, and failed evaluations (NaN) for k == 3.

    Only +, -, * and comparisons: numpy and torch give the same bits.
    """

    array_api = True

    def __init__(self) -> None:
        space = Space(
            [
                Real("a", 0.0, 1.0),
                Real("b", 1e-3, 1.0, log=True),
                Integer("k", 0, 5),
                Categorical("c", ["x", "y", "z"]),
                Real("d", -1.0, 1.0),
            ]
        )
        super().__init__(n_obj=2, n_ieq_constr=1, space=space)

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        import array_api_compat

        xp = array_api_compat.array_namespace(X)
        f1 = X[:, 0] + 0.1 * X[:, 2] + X[:, 4] * X[:, 4]
        f2 = (1.0 - X[:, 0]) * X[:, 1] + 0.25 * X[:, 3]
        f1 = xp.where(X[:, 2] == 3.0, xp.nan, f1)
        out["F"] = xp.stack([f1, f2], axis=1)
        out["G"] = xp.stack([0.2 - X[:, 0]], axis=1)


def evaluate_as(problem: Problem, X: Any) -> tuple[Any, Any]:
    """Evaluate on the host and hand the values back in X's array type."""
    F, G = problem.evaluate(host(X))
    if isinstance(X, torch.Tensor):
        return torch.as_tensor(F, device=X.device), torch.as_tensor(G, device=X.device)
    return F, G


STATE = ("X", "F", "G", "cv", "rank", "crowding")


def assert_same_state(cpu: NSGA2, dev: NSGA2) -> None:
    for name in STATE:
        np.testing.assert_array_equal(host(getattr(dev, name)), getattr(cpu, name), err_msg=name)


def run_pair(problem: Problem, library: str, n_gen: int, **options: Any) -> tuple[NSGA2, NSGA2]:
    """The same NSGA-II run on the CPU and on the emulated device, checked every generation."""
    cpu = NSGA2(**options).setup(problem, seed=11)
    dev = NSGA2(**options, device=_device.emulated(library)).setup(problem, seed=11)
    for _ in range(n_gen):
        X_cpu, X_dev = cpu.ask(), dev.ask()
        assert isinstance(X_dev, torch.Tensor) == (library == "torch")
        np.testing.assert_array_equal(host(X_dev), X_cpu)
        cpu.tell(*problem.evaluate(X_cpu))
        dev.tell(*evaluate_as(problem, X_dev))
        assert_same_state(cpu, dev)
    return cpu, dev


@pytest.mark.parametrize("library", EMULATED)
@pytest.mark.parametrize("truncation", ["auto", "crowding"])  # survival on a host copy / on the device
def test_zdt1_generations_equal_the_cpu_run(library: str, truncation: str) -> None:
    cpu, dev = run_pair(ZDT1(n_var=12), library, 8, pop_size=40, truncation=truncation)
    assert dev.n_eval == cpu.n_eval and dev.n_gen == 8
    assert int(host(dev.rank).max()) >= 0


@pytest.mark.parametrize("library", EMULATED)
@pytest.mark.parametrize(
    "options",
    [
        {"pop_size": 30},
        {"pop_size": 30, "truncation": "crowding"},
        {"pop_size": 24, "n_offsprings": 7, "sampling": LatinHypercubeSampling()},
        {"pop_size": 20, "eliminate_duplicates": False, "selection": TournamentSelection(k=3)},
    ],
    ids=["default", "crowding", "lhs-few-children", "duplicates-kept"],
)
def test_mixed_constrained_generations_equal_the_cpu_run(library: str, options: dict[str, Any]) -> None:
    cpu, dev = run_pair(MixedConstrained(), library, 10, **options)
    cv = host(dev.cv)
    assert np.isinf(cv).any() or (host(dev.X)[:, 2] != 3).all()  # failed rows ranked as infeasible


@pytest.mark.parametrize("library", EMULATED)
def test_duplicate_refills_equal_the_cpu_run(library: str) -> None:
    # Two genes of few values: most children repeat a parent, so the batch
    # is refilled from further random streams.
    space = Space([Integer("i", 0, 3), Categorical("c", ["a", "b", "c"])])

    class Tiny(Problem):
        array_api = True

        def __init__(self) -> None:
            super().__init__(n_obj=2, space=space)

        def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
            import array_api_compat

            xp = array_api_compat.array_namespace(X)
            out["F"] = xp.stack([X[:, 0] - X[:, 1], X[:, 1] * X[:, 1] - X[:, 0]], axis=1)

    cpu, dev = run_pair(Tiny(), library, 5, pop_size=6)
    assert host(dev.X).shape[0] == 6


@pytest.mark.parametrize("library", EMULATED)
def test_pickled_device_run_resumes_bit_identically(library: str) -> None:
    problem = ZDT1(n_var=8)
    algo = NSGA2(pop_size=20, device=_device.emulated(library)).setup(problem, seed=5)
    for _ in range(3):
        algo.tell(*evaluate_as(problem, algo.ask()))
    resumed = pickle.loads(pickle.dumps(algo))
    assert resumed._where.backend.library == library
    for a in (algo, resumed):
        for _ in range(3):
            a.tell(*evaluate_as(problem, a.ask()))
    for name in STATE:
        np.testing.assert_array_equal(host(getattr(resumed, name)), host(getattr(algo, name)), err_msg=name)


@pytest.mark.parametrize("library", EMULATED)
def test_select_pending_on_a_device(library: str) -> None:
    problem = ZDT1(n_var=6)
    cpu = NSGA2(pop_size=10, n_offsprings=30).setup(problem, seed=2)
    dev = NSGA2(pop_size=10, n_offsprings=30, device=_device.emulated(library)).setup(problem, seed=2)
    for algo in (cpu, dev):
        algo.tell(*evaluate_as(problem, algo.ask()))
        algo.ask()
        picked = algo.select_pending([4, 0, 17])
        assert tuple(picked.shape) == (3, 6)
        algo.tell(*evaluate_as(problem, picked))
    assert_same_state(cpu, dev)


@pytest.mark.parametrize("library", EMULATED)
def test_ask_returns_a_copy_and_tell_copies(library: str) -> None:
    problem = ZDT1(n_var=5)
    algo = NSGA2(pop_size=8, device=_device.emulated(library)).setup(problem, seed=1)
    X = algo.ask()
    X[0, 0] = 0.123456
    assert float(algo.ask()[0, 0]) != 0.123456
    F, G = evaluate_as(problem, algo.ask())
    kept = host(F).copy()
    algo.tell(F, G)
    F[:] = -1.0  # the user's array; the state has its own copy
    assert set(np.round(host(algo.F).ravel(), 12)) <= set(np.round(kept.ravel(), 12))


@pytest.mark.parametrize("library", EMULATED)
def test_tell_takes_host_values_on_a_device(library: str) -> None:
    problem = ZDT1(n_var=5)
    algo = NSGA2(pop_size=8, device=_device.emulated(library)).setup(problem, seed=1)
    algo.tell(*problem.evaluate(host(algo.ask())))  # numpy into a torch-held state works
    assert isinstance(algo.F, torch.Tensor) == (library == "torch")


@pytest.mark.parametrize("library", EMULATED)
def test_tell_errors_on_a_device(library: str) -> None:
    problem = ZDT1(n_var=5)
    algo = NSGA2(pop_size=8, device=_device.emulated(library)).setup(problem, seed=1)
    X = algo.ask()
    n = X.shape[0]
    with pytest.raises(ValueError, match="'F' must have 2 columns"):
        algo.tell(torch.zeros(n, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"'F' must have shape"):
        algo.tell(torch.zeros(n + 1, 2))
    with pytest.raises(TypeError, match="'F' must hold real numbers"):
        algo.tell(torch.zeros(n, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match="'G' must have shape"):
        algo.tell(torch.zeros(n, 2), torch.zeros(n, 2, 2))
    algo.tell(torch.zeros(n, 2, dtype=torch.float32))  # any real dtype is read as float64
    assert str(algo.F.dtype).endswith("float64")


def test_constraint_violation_is_the_same_for_numpy_and_torch() -> None:
    rng = np.random.default_rng(0)
    F = rng.normal(size=(50, 3))
    G = rng.normal(size=(50, 4))
    F[3, 1] = np.nan
    G[7, 2] = np.nan
    G[9] = -0.0
    expected = np.maximum(G, 0.0).sum(axis=1)
    expected[[3, 7]] = np.inf
    got = constraint_violation(F, G)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(constraint_violation(torch.from_numpy(F), torch.from_numpy(G)).numpy(), expected)
    none = constraint_violation(F, np.empty((50, 0)))
    assert none[3] == np.inf and (np.delete(none, 3) == 0).all()


@pytest.mark.parametrize("library", EMULATED)
def test_minimize_on_a_device_equals_the_cpu_run(library: str) -> None:
    problem = MixedConstrained()
    cpu = minimize(problem, NSGA2(pop_size=20), ("n_gen", 6), seed=4, hv_ref=[3.0, 3.0])
    dev = minimize(problem, NSGA2(pop_size=20, device=_device.emulated(library)), ("n_gen", 6), seed=4, hv_ref=[3.0, 3.0])
    for name in ("X", "F", "G", "pop_X", "pop_F", "pop_G"):
        got = getattr(dev, name)
        assert isinstance(got, torch.Tensor) == (library == "torch"), name
        np.testing.assert_array_equal(host(got), getattr(cpu, name), err_msg=name)
    assert [r.hv for r in dev.history] == [r.hv for r in cpu.history]
    assert dev.history[-1].hv > 0


@pytest.mark.parametrize("library", EMULATED)
def test_minimize_with_a_numpy_only_problem_on_a_device(library: str) -> None:
    class HostOnly(Problem):  # array_api stays False: evaluated on the host
        def __init__(self) -> None:
            super().__init__(n_var=4, n_obj=2, xl=0.0, xu=1.0)

        def _evaluate(self, X: np.ndarray, out: dict[str, Any]) -> None:
            out["F"] = np.column_stack([X.sum(axis=1), (1.0 - X).sum(axis=1)])

    problem = HostOnly()
    cpu = minimize(problem, NSGA2(pop_size=12), ("n_gen", 4), seed=8)
    dev = minimize(problem, NSGA2(pop_size=12, device=_device.emulated(library)), ("n_gen", 4), seed=8)
    np.testing.assert_array_equal(host(dev.pop_F), cpu.pop_F)


def test_device_argument_is_checked() -> None:
    with pytest.raises(ValueError, match="'device' must be one of"):
        NSGA2(device="gpu")
    with pytest.raises(ValueError, match="'device' must be one of"):
        NSGA2(device=0)  # type: ignore[arg-type]
    assert NSGA2(device="cpu").device == "cpu"


@needs_emulated
def test_a_subclass_must_declare_device_survival() -> None:
    class HostOnly(NSGA2):
        _survives_on_device = False

    with pytest.raises(ValueError, match="HostOnly keeps its population on the CPU"):
        HostOnly(device=_device.emulated())


@pytest.mark.parametrize("library", EMULATED)
def test_sms_emoa_generations_equal_the_cpu_run(library: str) -> None:
    # Survival on a host copy, everything else on the device.
    problem = MixedConstrained()
    cpu = SMSEMOA(pop_size=16, n_offsprings=6).setup(problem, seed=9)
    dev = SMSEMOA(pop_size=16, n_offsprings=6, device=_device.emulated(library)).setup(problem, seed=9)
    for _ in range(8):
        X_cpu, X_dev = cpu.ask(), dev.ask()
        np.testing.assert_array_equal(host(X_dev), X_cpu)
        cpu.tell(*problem.evaluate(X_cpu))
        dev.tell(*evaluate_as(problem, X_dev))
        for name in ("X", "F", "G", "cv", "rank", "contribution"):
            np.testing.assert_array_equal(host(getattr(dev, name)), getattr(cpu, name), err_msg=name)
    assert isinstance(dev.rank, torch.Tensor) == (library == "torch")


NSGA3_STATE = ("X", "F", "G", "cv", "rank", "niche", "distance")


@pytest.mark.parametrize("library", EMULATED)
@pytest.mark.parametrize(
    "problem, ref_dirs, pop_size",
    [(DTLZ2(n_var=8, n_obj=3), das_dennis(3, 6), 32), (MixedConstrained(), das_dennis(2, 9), 12)],
    ids=["dtlz2", "mixed-constrained"],
)
def test_nsga3_generations_equal_the_cpu_run(library: str, problem: Problem, ref_dirs: np.ndarray, pop_size: int) -> None:
    cpu = NSGA3(ref_dirs, pop_size).setup(problem, seed=21)
    dev = NSGA3(ref_dirs, pop_size, device=_device.emulated(library)).setup(problem, seed=21)
    split = 0
    for _ in range(8):
        X_cpu, X_dev = cpu.ask(), dev.ask()
        np.testing.assert_array_equal(host(X_dev), X_cpu)
        cpu.tell(*problem.evaluate(X_cpu))
        dev.tell(*evaluate_as(problem, X_dev))
        for name in NSGA3_STATE:
            got, want = host(getattr(dev, name)), getattr(cpu, name)
            if name == "distance" and library == "torch":
                # torch's matmul and sums round differently from numpy's in
                # the last bit; the choices made from them agree.
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, err_msg=name)
            else:
                np.testing.assert_array_equal(got, want, err_msg=name)
        for a, b in zip(dev.normalisation, cpu.normalisation):
            np.testing.assert_array_equal(a, b)
        split += int((host(dev.rank) == host(dev.rank).max()).sum() < pop_size)  # fronts cut by niching
    assert isinstance(dev.niche, torch.Tensor) == (library == "torch")
    assert split > 0


@pytest.mark.skipif(evonas.cuda.is_available(), reason="this machine has a CUDA device")
def test_cuda_without_a_device_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="device='cuda'"):
        NSGA2(device="cuda")
    assert NSGA2(device="auto")._where.device == "cpu"


@needs_cuda
def test_cuda_run_stays_on_the_gpu_and_matches_the_cpu_run() -> None:
    problem = ZDT1(n_var=30)
    cpu = minimize(problem, NSGA2(pop_size=200), ("n_gen", 60), seed=3)
    gpu = minimize(problem, NSGA2(pop_size=200, device="cuda"), ("n_gen", 60), seed=3)
    assert gpu.pop_X.device.type == "cuda" and gpu.algorithm.rank.device.type == "cuda"
    # The first generation is sampled identically; later ones may drift by
    # the GPU's libm ulps (mutation), so the outcome is compared by quality.
    np.testing.assert_allclose(host(gpu.history[0].hv), cpu.history[0].hv, rtol=1e-12)
    assert gpu.history[-1].hv == pytest.approx(cpu.history[-1].hv, rel=0.02)


@needs_emulated
def test_a_device_generation_reads_nothing_back_but_sizes() -> None:
    # On a GPU every read of a tensor's values on the host is a copy and a
    # synchronisation. With torch CPU tensors on the emulated device, make
    # every such read fail: a generation (ask, evaluate where the population
    # lives, tell) must not need one. (Only with the one-cut truncation: the
    # iterated removals run on a host copy of F, as documented.)
    problem = ZDT1(n_var=10)
    algo = NSGA2(pop_size=64, truncation="crowding", device=_device.emulated("torch")).setup(problem, seed=6)
    algo.tell(*problem.evaluate(algo.ask()))

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a tensor's values were read on the host")

    reads = ("numpy", "__array__", "item", "tolist", "__bool__", "__int__", "__float__", "__index__")
    with pytest.MonkeyPatch.context() as patch:
        for name in reads:
            patch.setattr(torch.Tensor, name, refuse)
        for _ in range(3):
            X = algo.ask()
            F, G = problem.evaluate(X)
            algo.tell(F, G)
    assert algo.n_gen == 4 and isinstance(algo.X, torch.Tensor)


@needs_cuda
def test_cuda_nsga3_run_stays_on_the_gpu() -> None:
    problem = DTLZ2(n_var=12, n_obj=3)
    cpu = minimize(problem, NSGA3(das_dennis(3, 12)), ("n_gen", 60), seed=3)
    gpu = minimize(problem, NSGA3(das_dennis(3, 12), device="cuda"), ("n_gen", 60), seed=3)
    assert gpu.pop_F.device.type == "cuda" and gpu.algorithm.niche.device.type == "cuda"
    assert gpu.history[-1].hv == pytest.approx(cpu.history[-1].hv, rel=0.02)


def test_a_host_algorithm_takes_torch_values() -> None:
    problem = ZDT1(n_var=5)
    a = NSGA2(pop_size=8).setup(problem, seed=1)
    b = NSGA2(pop_size=8).setup(problem, seed=1)
    F, G = problem.evaluate(a.ask())
    b.ask()
    a.tell(F, G)
    b.tell(torch.from_numpy(F), torch.from_numpy(G))  # copied to the host population
    assert isinstance(b.F, np.ndarray)
    np.testing.assert_array_equal(a.F, b.F)
