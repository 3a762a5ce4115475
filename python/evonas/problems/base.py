"""`Problem`: the interface every optimisation problem implements (pymoo's vocabulary)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device, is_cupy_array, is_torch_array

from .._device import to_host
from .._validation import _numeric_array, as_positive_int, as_reference_point
from ..space import Space

__all__ = ["Problem"]


class Problem:
    """A vectorised multi-objective problem: minimise F(x) subject to G(x) <= 0.

    Subclasses implement ``_evaluate(self, X, out)``, which receives the
    whole population at once and sets ``out["F"]`` (and ``out["G"]`` when
    constrained).

    Parameters
    ----------
    n_var : int, optional
        Number of decision variables; may be left out when `space` is given.
    n_obj : int
        Number of objectives, all minimised.
    n_ieq_constr : int, default 0
        Number of inequality constraints; a solution is feasible iff every
        ``G <= 0``.
    xl, xu : float or array_like of shape (n_var,), optional
        Bounds of an all-real space (scalars apply to every variable).
    space : Space, optional
        The genome space, for integer or categorical variables. Give either
        `space` or both `xl` and `xu`.

    Attributes
    ----------
    array_api : bool
        Class attribute, default False. True declares that `_evaluate` works
        on any array-API array (numpy, torch on any device, CuPy) through
        ``array_api_compat.array_namespace(X)`` and sets outputs of the same
        kind on the same device; `evaluate` then runs it where a torch or
        CuPy population lives, with no host round trip. The built-in ZDT and
        DTLZ problems set it. False: such populations are copied to the host
        and evaluated as numpy arrays.

    Examples
    --------
    >>> class Sphere2(Problem):
    ...     def __init__(self):
    ...         super().__init__(n_var=3, n_obj=2, xl=-1.0, xu=1.0)
    ...     def _evaluate(self, X, out):
    ...         out["F"] = np.column_stack([(X ** 2).sum(1), ((X - 1) ** 2).sum(1)])
    >>> F, G = Sphere2().evaluate(np.zeros((4, 3)))
    >>> F.shape, G.shape
    ((4, 2), (4, 0))
    """

    array_api: bool = False

    def __init__(
        self,
        *,
        n_var: int | None = None,
        n_obj: int,
        n_ieq_constr: int = 0,
        xl: Any = None,
        xu: Any = None,
        space: Space | None = None,
    ) -> None:
        self.n_obj = as_positive_int(n_obj, "n_obj")
        if isinstance(n_ieq_constr, bool) or not isinstance(n_ieq_constr, numbers.Integral):
            raise TypeError(f"'n_ieq_constr' must be a non-negative int, but it is {n_ieq_constr!r}")
        if n_ieq_constr < 0:
            raise ValueError(f"'n_ieq_constr' must be a non-negative int, but it is {n_ieq_constr}")
        self.n_ieq_constr = int(n_ieq_constr)
        if space is not None:
            if xl is not None or xu is not None:
                raise ValueError("give either 'space' or the bounds 'xl' and 'xu', not both")
            if not isinstance(space, Space):
                raise TypeError(f"'space' must be an evonas.Space, but it is {type(space).__name__}")
            if n_var is not None and as_positive_int(n_var, "n_var") != len(space):
                raise ValueError(f"'n_var' must equal len(space) = {len(space)}, but it is {n_var}")
            self.space = space
        else:
            if xl is None or xu is None:
                raise ValueError("a problem needs a search space: give 'space', or both bounds 'xl' and 'xu'")
            if n_var is None:
                raise TypeError("'n_var' is required when the bounds 'xl' and 'xu' are given")
            n = as_positive_int(n_var, "n_var")
            self.space = Space.from_bounds(_bound(xl, n, "xl"), _bound(xu, n, "xu"))
        self.n_var = len(self.space)

    @property
    def xl(self) -> np.ndarray:
        """Lower bounds of the variables (read-only float64, shape (n_var,))."""
        return self.space.lower

    @property
    def xu(self) -> np.ndarray:
        """Upper bounds of the variables (read-only float64, shape (n_var,))."""
        return self.space.upper

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_var={self.n_var}, n_obj={self.n_obj})"

    def evaluate(self, X: Any, /) -> tuple[Any, Any]:
        """Evaluate a population.

        Parameters
        ----------
        X : array_like, torch.Tensor or cupy.ndarray, shape (n, n_var)
            One row per solution, of a real dtype. Not modified; `_evaluate`
            gets a C-contiguous float64 copy: on the host for numpy and
            array_like input, on `X`'s device for a torch tensor or CuPy
            array when the problem sets ``array_api = True``.

        Returns
        -------
        F : array of float64, shape (n, n_obj)
            Objective values. NaN is passed through: it marks a failed
            evaluation, which the engine ranks worst.
        G : array of float64, shape (n, n_ieq_constr)
            Constraint values (feasible iff all <= 0); shape (n, 0) when the
            problem is unconstrained.

            Both are numpy arrays, except for a torch or CuPy `X` given to a
            problem with ``array_api = True``: then they are arrays of `X`'s
            kind on its device. A problem with ``array_api = False`` copies
            such an `X` to the host and returns numpy arrays; the caller
            (an algorithm's ``tell``) moves them back. Other arrays in CUDA
            memory are read through CuPy and evaluated on the host.

        Raises
        ------
        TypeError
            If `X` is not numeric (or boolean or complex), or `_evaluate`
            sets an output that is not a real array; with ``array_api =
            True`` and a torch or CuPy `X`, also if an output is not an
            array of `X`'s kind on its device (a numpy output is refused, not
            converted: it would hide a round trip through the host).
        ValueError
            If `X` has the wrong shape, or `_evaluate` sets an output of the
            wrong shape or leaves ``out["F"]`` unset.
        """
        if is_torch_array(X) or is_cupy_array(X):
            X = self._device_population(X)
            if self.array_api:
                xp = array_namespace(X)
                where = device(X)

                def empty(shape: tuple[int, int]) -> Any:
                    return xp.empty(shape, dtype=xp.float64, device=where)

                def output(value: Any, key: str, shape: tuple[int, int]) -> Any:
                    return self._device_output(value, key, shape, X)

                return self._run(X, output, empty)
            # the copy made above, now in host memory (a CPU tensor's is shared, not copied again)
            X = np.asarray(to_host(X.detach() if is_torch_array(X) else X))
        else:
            arr = _numeric_array(to_host(X), "X")
            self._check_shape(arr.shape)
            X = np.array(arr, dtype=np.float64, order="C")
        return self._run(X, self._output, np.empty)

    def _check_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) != 2 or shape[1] != self.n_var:
            hint = " (use X[None, :] for a single solution)" if len(shape) == 1 else ""
            raise ValueError(f"'X' must have shape (n, {self.n_var}), but it has shape {shape}{hint}")

    def _device_population(self, X: Any) -> Any:
        """A checked C-contiguous float64 copy of a torch or CuPy `X` on its device."""
        xp = array_namespace(X)
        if not xp.isdtype(X.dtype, ("real floating", "integral")):
            raise TypeError(f"'X' must hold real numbers (a float or integer dtype), but its dtype is {X.dtype}")
        self._check_shape(tuple(X.shape))
        return _contiguous(xp.astype(X, xp.float64, copy=True))  # a copy: _evaluate may write to it

    def _run(self, X: Any, output: Any, empty: Any) -> tuple[Any, Any]:
        """Call `_evaluate` on the checked copy `X` and check its outputs with `output`."""
        n = X.shape[0]
        if n == 0:  # spare user code the empty-population edge case
            return empty((0, self.n_obj)), empty((0, self.n_ieq_constr))
        out: dict[str, Any] = {}
        self._evaluate(X, out)
        if "F" not in out:
            raise ValueError(f"{type(self).__name__}._evaluate must set out['F'], but it did not")
        F = output(out["F"], "F", (n, self.n_obj))
        if self.n_ieq_constr == 0:
            if out.get("G") is not None:
                raise ValueError(
                    f"{type(self).__name__}._evaluate set out['G'], but the problem declares n_ieq_constr=0"
                )
            return F, empty((n, 0))
        if "G" not in out:
            raise ValueError(
                f"{type(self).__name__}._evaluate must set out['G'] (n_ieq_constr={self.n_ieq_constr}), but it did not"
            )
        return F, output(out["G"], "G", (n, self.n_ieq_constr))

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        """Set ``out["F"]`` (n, n_obj) and, if constrained, ``out["G"]`` (n, n_ieq_constr) for `X` (n, n_var).

        `X` is a numpy array, or with ``array_api = True`` possibly a torch
        tensor or CuPy array (see the class docstring).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement _evaluate(self, X, out)")

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """Points on the true Pareto front, float64 of shape (k, n_obj).

        Raises NotImplementedError when the front is not known.
        """
        raise NotImplementedError(f"the Pareto front of {type(self).__name__} is not known")

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Hypervolume of the whole true Pareto front with respect to `ref`.

        Raises NotImplementedError when it has no closed form here.
        """
        raise NotImplementedError(f"the optimal hypervolume of {type(self).__name__} is not known")

    def _ref(self, ref: Any) -> np.ndarray:
        return as_reference_point(ref, self.n_obj)

    def _output(self, value: Any, key: str, shape: tuple[int, int]) -> np.ndarray:
        where = f"{type(self).__name__}._evaluate: out['{key}']"
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{where} must be a float array, but it could not be read as one: {exc}") from None
        _check_output_shape(tuple(arr.shape), shape, where, key)
        return np.ascontiguousarray(arr)

    def _device_output(self, value: Any, key: str, shape: tuple[int, int], like: Any) -> Any:
        """`value` as a C-contiguous float64 array of `like`'s kind on its device."""
        where = f"{type(self).__name__}._evaluate: out['{key}']"
        kind = "torch tensor" if is_torch_array(like) else "CuPy array"
        same_kind = is_torch_array(value) if is_torch_array(like) else is_cupy_array(value)
        if not same_kind or device(value) != device(like):
            got = type(value).__name__ if not same_kind else f"{kind} on {device(value)}"
            raise TypeError(
                f"{where} must be a {kind} on {device(like)}, like 'X' (the problem sets array_api=True), "
                f"but it is a {got}"
            )
        xp = array_namespace(value)
        if not xp.isdtype(value.dtype, ("bool", "real floating", "integral")):
            raise TypeError(f"{where} must be a float array, but its dtype is {value.dtype}")
        _check_output_shape(tuple(value.shape), shape, where, key)
        return _contiguous(xp.astype(value, xp.float64, copy=False))


def _check_output_shape(actual: tuple[int, ...], shape: tuple[int, int], where: str, key: str) -> None:
    if actual != shape:
        columns = "n_obj" if key == "F" else "n_ieq_constr"
        raise ValueError(f"{where} must have shape {shape} (n, {columns}), but it has shape {actual}")


def _contiguous(a: Any) -> Any:
    """A C-contiguous version of the torch or CuPy array `a` (itself when it already is)."""
    if is_torch_array(a):
        return a.contiguous()
    return array_namespace(a).ascontiguousarray(a)


def _bound(value: Any, n: int, name: str) -> np.ndarray:
    arr = _numeric_array(value, name)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(
            f"'{name}' must be a scalar or have shape ({n},) (one per variable), but it has shape {arr.shape}"
        )
    return arr.astype(np.float64)
