"""Evaluating a per-genome objective function over a population: evonas's
`problems.from_function` (numba-compiled, all cores; or row by row in Python)
against pymoo's ElementwiseProblem (row by row in Python) and a numpy-vectorised
version of the same function.

    python bench/bench_function.py [--sizes 1000,100000] [--repeat 3]

The function is ZDT1 written for one genome (30 variables) plus a loop-heavy
variant (a 200-term trigonometric sum per genome) that numpy cannot vectorise
without an n x 200 temporary. Every contestant's F is checked against evonas's.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

N_VAR = 30


def zdt1(x):
    g = 1.0 + 9.0 * np.sum(x[1:]) / (len(x) - 1)
    return np.array([x[0], g * (1.0 - np.sqrt(x[0] / g))])


def zdt1_numpy(X):
    g = 1.0 + 9.0 * X[:, 1:].sum(axis=1) / (X.shape[1] - 1)
    return np.column_stack([X[:, 0], g * (1.0 - np.sqrt(X[:, 0] / g))])


def loops(x):
    s = 0.0
    for k in range(200):
        s += np.sin(x[k % len(x)] * (k + 1)) * x[(k * 7) % len(x)]
    return np.array([x[0], 1.0 + s * s - x[0]])


def loops_numpy(X):
    k = np.arange(200)
    s = (np.sin(X[:, k % X.shape[1]] * (k + 1)) * X[:, (k * 7) % X.shape[1]]).sum(axis=1)
    return np.column_stack([X[:, 0], 1.0 + s * s - X[:, 0]])


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from evonas.problems import from_function

    try:
        from pymoo.core.problem import ElementwiseProblem
    except ImportError:
        ElementwiseProblem = None
    try:
        import numba

        numba_version = numba.__version__
    except ImportError:
        numba_version = "not installed"
    print(f"# {platform.node()} {platform.machine()}, {os.cpu_count()} cores; numba {numba_version}")
    print("\n| function | n | evonas compiled | evonas python | pymoo elementwise | numpy vectorised | compiled vs pymoo | check |")
    print("|---|---|---|---|---|---|---|---|")
    notes = []
    for name, row_fn, vec_fn in (("zdt1", zdt1, zdt1_numpy), ("loops", loops, loops_numpy)):
        compiled = from_function(row_fn, n_obj=2, xl=np.zeros(N_VAR), xu=np.ones(N_VAR), jit=True)
        python = from_function(row_fn, n_obj=2, xl=np.zeros(N_VAR), xu=np.ones(N_VAR), jit=False)
        t0 = time.perf_counter()
        compiled.evaluate(np.full((1, N_VAR), 0.5))
        compile_s = time.perf_counter() - t0
        for n in (int(s) for s in args.sizes.split(",")):
            X = np.random.default_rng(n).random((n, N_VAR))
            t_c, F = best(lambda: compiled.evaluate(X)[0], args.repeat)
            t_p, F_p = best(lambda: python.evaluate(X)[0], 1)
            t_v, F_v = best(lambda: vec_fn(X), args.repeat)
            ok = np.allclose(F_p, F, rtol=1e-12) and np.allclose(F_v, F, rtol=1e-10)
            pymoo_text, ratio = "not installed", "—"
            if ElementwiseProblem is not None:

                class Peer(ElementwiseProblem):
                    def __init__(self):
                        super().__init__(n_var=N_VAR, n_obj=2, xl=0.0, xu=1.0)

                    def _evaluate(self, x, out, *a, **k):
                        out["F"] = row_fn(x)

                t_m, F_m = best(lambda: Peer().evaluate(X), 1)
                ok = ok and np.allclose(F_m, F, rtol=1e-12)
                pymoo_text, ratio = f"{t_m * 1e3:.1f} ms", f"{t_m / t_c:.0f}x"
            print(
                f"| {name} | {n} | {t_c * 1e3:.2f} ms | {t_p * 1e3:.1f} ms | {pymoo_text} | {t_v * 1e3:.2f} ms "
                f"| {ratio} | {'ok' if ok else 'MISMATCH'} |"
            )
        notes.append(f"{name}: first compiled call, compilation included: {compile_s:.2f} s")
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
