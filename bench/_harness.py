"""Shared machinery for the evonas benchmark scripts (bench_*.py).

Every contestant (evonas and each peer library) runs in its own persistent
worker process, started with the ``spawn`` method so that no library state
(thread pools, TBB, OpenMP) leaks between them. This lets the harness

* enforce a hard per-call time limit (a runaway call is killed, not waited on),
* survive a peer that crashes or runs out of memory,
* import every peer lazily: the parent process never imports a peer.

The worker builds its own input from (kind, n, m, seed), so only a few bytes
travel to it; the (normalised) answer travels back and is cross-checked in the
parent against evonas's answer.

A bench script defines, at module level (so that the worker can import it):

    CONTESTANTS  list of Contestant, evonas first
    ADAPTERS     {(kernel, contestant_name): make}, where
                 make(F, case, opts) -> (run, normalise)
                 ``run()`` is the work that is timed (no argument);
                 ``normalise(raw)`` turns its answer into a comparable numpy
                 value (untimed). ``make`` itself is untimed: wrap inputs there.
                 Raise Unavailable from make for "this peer cannot do that".
    GUARDS       {(kernel, contestant_name): guard}, guard(case, mem_bytes, limit_s)
                 -> a reason to skip (str) or None; runs in the parent before the
                 worker is asked, e.g. to avoid an O(n^2)-memory peer at n = 1e5.
    GROWTH       {(kernel, contestant_name): g or g(case)}: t ~ n^g, to skip a
                 size whose extrapolated time exceeds --limit (default g = 1).

and calls ``main(...)`` under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import importlib.metadata
import importlib.util
import json
import math
import multiprocessing as mp
import os
import platform
import sys
import time
import traceback
from typing import Any, Callable, Sequence

import numpy as np

# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------

KINDS = {
    "uniform": "uniform random points in [0,1]^m (many fronts)",
    "sphere": "points on the positive unit sphere (one front)",
    "simplex": "points on the unit simplex, sum = 1 (one front)",
}
ONE_FRONT_KINDS = ("sphere", "simplex")


def _rng(kind: str, n: int, m: int, seed: int) -> np.random.Generator:
    # A distinct, reproducible stream per (kind, n, m, seed).
    return np.random.default_rng([seed, n, m, list(KINDS).index(kind)])


def uniform_points(n: int, m: int, seed: int = 0) -> np.ndarray:
    """n uniform random points in [0, 1]^m: many Pareto fronts."""
    return _rng("uniform", n, m, seed).random((n, m))


def sphere_points(n: int, m: int, seed: int = 0) -> np.ndarray:
    """n random points on the positive part of the unit sphere: one front."""
    x = np.abs(_rng("sphere", n, m, seed).standard_normal((n, m)))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def simplex_points(n: int, m: int, seed: int = 0) -> np.ndarray:
    """n random points on the unit simplex (uniform, Dirichlet(1)): one front."""
    return _rng("simplex", n, m, seed).dirichlet(np.ones(m), size=n)


def best_time(fn: Callable[[], Any], repeat: int) -> float:
    """Fastest of `repeat` calls of fn, in seconds (in this process; no time budget)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def make_input(kind: str, n: int, m: int, seed: int = 0) -> np.ndarray:
    gen = {"uniform": uniform_points, "sphere": sphere_points, "simplex": simplex_points}[kind]
    return np.ascontiguousarray(gen(n, m, seed), dtype=np.float64)


def expected_front_size(kind: str, n: int, m: int) -> float:
    """Expected size of the first front: n for one-front inputs; for uniform
    points the expected number of maxima, the generalised harmonic number
    H_{m-1}(n) (about ln(n)^(m-1) / (m-1)!)."""
    if kind in ONE_FRONT_KINDS or m <= 1:
        return float(n) if m > 1 else 1.0
    i = np.arange(1, n + 1, dtype=np.float64)
    h = np.ones(n)
    for _ in range(m - 1):
        h = np.cumsum(h / i)
    return float(h[-1])


def ranks_2d(F: np.ndarray) -> np.ndarray:
    """Pareto ranks of 2-objective points (minimised), O(n log n), numpy-only.
    Used to prepare inputs (not timed); assumes no duplicate points."""
    import bisect

    order = np.lexsort((F[:, 1], F[:, 0]))
    ranks = np.empty(F.shape[0], dtype=np.int64)
    tails: list[float] = []  # tails[k]: the smallest f2 seen so far in front k (increasing in k)
    for i, f2 in zip(order.tolist(), F[order, 1].tolist()):
        k = bisect.bisect_right(tails, f2)
        if k == len(tails):
            tails.append(f2)
        else:
            tails[k] = f2
        ranks[i] = k
    return ranks


def fronts_of(ranks: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the points of each front, front 0 first."""
    order = np.argsort(ranks, kind="stable")
    bounds = np.flatnonzero(np.diff(ranks[order])) + 1
    return np.split(order, bounds)


# --------------------------------------------------------------------------
# Cases and contestants
# --------------------------------------------------------------------------


class Unavailable(Exception):
    """Raised by an adapter: the peer has no API for this case."""


@dataclasses.dataclass(frozen=True)
class Contestant:
    name: str  # column name
    module: str  # import name, to test availability without importing
    dist: str | None = None  # distribution name, for the version

    def installed(self) -> bool:
        try:
            return importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):
            return False

    def version(self) -> str:
        if self.dist:
            try:
                return importlib.metadata.version(self.dist)
            except importlib.metadata.PackageNotFoundError:
                pass
        return "?"


@dataclasses.dataclass(frozen=True)
class Case:
    kernel: str
    kind: str
    n: int
    m: int
    compare: str = "equal"  # equal | float | vector | crowding | mc
    params: tuple = ()  # ((key, value), ...)
    note: str = ""  # shown in the input column

    @property
    def p(self) -> dict:
        return dict(self.params)

    @property
    def label(self) -> str:
        extra = "".join(f"/{k}={v}" for k, v in self.params)
        return f"{self.kernel}/{self.kind}/m={self.m}/n={self.n}{extra}"

    @property
    def input_text(self) -> str:
        return self.kind + (f", {self.note}" if self.note else "")


def fmt_n(n: int) -> str:
    if n >= 10_000:
        k = round(math.log10(n))
        if 10**k == n:
            return f"1e{k}"
    return str(n)


def fmt_time(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.1f} µs"
    if t < 1.0:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


# --------------------------------------------------------------------------
# Worker (runs in a spawned process)
# --------------------------------------------------------------------------

_INPUT_CACHE: dict = {}
_WARMED: set = set()


def _load_script(path: str):
    spec = importlib.util.spec_from_file_location("_evonas_bench_script", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _error_text(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def _worker_main(conn, script_path: str, contestant: str) -> None:
    try:
        script = _load_script(script_path)
    except BaseException as exc:  # report and wait for the parent to give up
        conn.send(("fatal", _error_text(exc)))
        return
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        case, opts = msg
        _run_one(conn, script, contestant, case, opts)
        gc.collect()


def _run_one(conn, script, contestant: str, case: Case, opts: dict) -> None:
    make = script.ADAPTERS.get((case.kernel, contestant))
    if make is None:
        conn.send(("na", "no API"))
        return
    if (case.kernel, case.kind, case.m) not in _WARMED:
        # One untimed call on a small input first, so that lazy imports and
        # one-off initialisation inside the library are not timed.
        _WARMED.add((case.kernel, case.kind, case.m))
        try:
            small = dataclasses.replace(case, n=min(case.n, 64))
            run, _ = make(make_input(small.kind, small.n, small.m, opts["seed"]), small, opts)
            run()
            del run
        except BaseException:  # noqa: BLE001 - the real call reports errors
            pass
    try:
        key = (case.kind, case.n, case.m, opts["seed"])
        if key not in _INPUT_CACHE:
            _INPUT_CACHE.clear()
            gc.collect()
            _INPUT_CACHE[key] = make_input(case.kind, case.n, case.m, opts["seed"])
        F = _INPUT_CACHE[key]
        run, normalise = make(F, case, opts)
    except Unavailable as exc:
        conn.send(("na", str(exc)))
        return
    except BaseException as exc:
        conn.send(("error", _error_text(exc), traceback.format_exc()))
        return

    conn.send(("started",))
    repeat, budget = opts["repeat"], opts["budget"]
    try:
        gc.collect()
        t0 = time.perf_counter()
        out = run()
        t = time.perf_counter() - t0
        conn.send(("first", t))
        times = [t]
        if repeat > 1:
            if t * (repeat + 1) <= budget:
                times, extra = [], repeat  # cheap: the first call was a warm-up
            else:
                extra = min(repeat - 1, int((budget - t) // t)) if t < budget else 0
            for _ in range(extra):
                gc.collect()
                t0 = time.perf_counter()
                run()
                times.append(time.perf_counter() - t0)
        result = normalise(out)
        del out, run, normalise
    except BaseException as exc:
        conn.send(("error", _error_text(exc), traceback.format_exc()))
        return
    conn.send(("done", times, result))


class Worker:
    """A persistent worker process for one contestant (started on demand)."""

    def __init__(self, script_path: str, name: str):
        self.script_path, self.name = script_path, name
        self.proc = None
        self.conn = None

    def _ensure(self):
        if self.proc is not None and self.proc.is_alive():
            return
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker_main, args=(child, self.script_path, self.name), daemon=True, name=f"bench-{self.name}"
        )
        self.proc.start()
        child.close()
        self.conn = parent

    def kill(self):
        if self.proc is not None:
            if self.proc.is_alive():
                self.proc.kill()  # only ever our own child, by its handle
            self.proc.join()
            self.proc = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close(self):
        if self.proc is not None and self.proc.is_alive():
            try:
                self.conn.send(None)
                self.proc.join(5)
            except (BrokenPipeError, OSError):
                pass
        self.kill()

    def _recv(self, timeout: float):
        """A message, "TIMEOUT", or ("crashed", text)."""
        try:
            if not self.conn.poll(timeout):
                return "TIMEOUT"
            return self.conn.recv()
        except (EOFError, OSError):
            self.proc.join(1)
            code = self.proc.exitcode
            why = {-9: "killed, out of memory?", -11: "segfault", -6: "abort"}.get(code, "")
            return ("crashed", f"worker died (exit {code}{', ' + why if why else ''})")

    def run(self, case: Case, opts: dict, cap: float, setup_timeout: float = 600.0) -> "Cell":
        self._ensure()
        self.conn.send((case, opts))
        msg = self._recv(setup_timeout)
        if msg == "TIMEOUT":
            self.kill()
            return Cell("timeout", text=f"timeout in setup (>{setup_timeout:.0f}s)")
        if msg[0] == "fatal":
            self.kill()
            return Cell("error", text="error: " + msg[1])
        if msg[0] in ("na", "error", "crashed"):
            return _cell_from_msg(msg, self)
        # msg == ("started",): the first timed call is under way
        msg = self._recv(cap)
        if msg == "TIMEOUT":
            self.kill()
            return Cell("timeout", text=f"timeout (>{cap:g}s)", time=None, exceeded=True)
        if msg[0] != "first":
            return _cell_from_msg(msg, self)
        first = msg[1]
        msg = self._recv(opts["budget"] + cap + 600.0)
        if msg == "TIMEOUT":
            self.kill()
            return Cell("timeout", text=f"timeout (>{cap:g}s)", exceeded=True)
        if msg[0] != "done":
            return _cell_from_msg(msg, self)
        times, result = msg[1], msg[2]
        best = min(times)
        return Cell("ok", time=best, times=times, first=first, result=result)


def _cell_from_msg(msg, worker: Worker) -> "Cell":
    kind = msg[0]
    if kind == "na":
        return Cell("na", text=f"n/a ({msg[1]})" if msg[1] else "n/a")
    if kind == "crashed":
        worker.kill()
        return Cell("crashed", text=msg[1])
    detail = msg[2] if len(msg) > 2 else ""
    return Cell("error", text="error: " + msg[1], detail=detail)


# --------------------------------------------------------------------------
# Results, cross-checks
# --------------------------------------------------------------------------


@dataclasses.dataclass
class Cell:
    status: str  # ok | error | na | skipped | timeout | crashed
    text: str = ""
    time: float | None = None
    times: list | None = None
    first: float | None = None
    result: Any = None
    detail: str = ""
    exceeded: bool = False
    check: str = ""  # "" | ok | MISMATCH
    check_detail: str = ""

    def show(self) -> str:
        if self.status == "ok":
            s = fmt_time(self.time)
            return s + (" MISMATCH" if self.check == "MISMATCH" else "")
        return self.text if len(self.text) <= 60 else self.text[:57] + "..."

    def to_json(self) -> dict:
        d = {"status": self.status, "time_s": self.time, "times_s": self.times, "first_call_s": self.first}
        if self.status != "ok":
            d["text"] = self.text
        if self.check:
            d["check"] = self.check
        if self.check_detail:
            d["check_detail"] = self.check_detail
        if self.detail:
            d["traceback"] = self.detail
        return d


def compare(mode: str, ref: Any, got: Any) -> tuple[bool, str]:
    """Does `got` agree with `ref`? Returns (ok, detail)."""
    if mode == "equal":
        a, b = np.asarray(ref), np.asarray(got)
        if a.shape != b.shape:
            return False, f"shape {b.shape} vs {a.shape}"
        if a.dtype == np.bool_ or b.dtype == np.bool_:
            a, b = a.astype(bool), b.astype(bool)
        else:
            a, b = a.astype(np.int64), b.astype(np.int64)
        bad = np.flatnonzero(a != b)
        if bad.size:
            i = bad[0]
            return False, f"{bad.size} of {a.size} differ (first at {i}: {b[i]} vs {a[i]})"
        return True, ""
    if mode == "float":
        a, b = float(ref), float(got)
        tol = 1e-9 * max(abs(a), abs(b), 1e-300)
        if not abs(a - b) <= tol:
            return False, f"{b!r} vs {a!r} (rel diff {abs(a - b) / max(abs(a), 1e-300):.2e})"
        return True, ""
    if mode in ("vector", "crowding"):
        a, b = np.asarray(ref, dtype=np.float64), np.asarray(got, dtype=np.float64)
        if a.shape != b.shape:
            return False, f"shape {b.shape} vs {a.shape}"
        ia, ib = np.isinf(a), np.isinf(b)
        if not np.array_equal(ia, ib) or not np.array_equal(a[ia], b[ib]):
            n_bad = int(np.count_nonzero(ia != ib))
            return False, f"infinite entries differ ({n_bad} positions)"
        fa, fb = a[~ia], b[~ib]
        if fa.size == 0:
            return True, ""
        scale = float(np.max(np.abs(fa)))
        diff = np.abs(fa - fb)
        tol = 1e-9 * np.maximum(np.abs(fa), scale if mode == "vector" else 0.0) + 1e-12 * (mode == "crowding")
        bad = np.flatnonzero(~(diff <= tol))
        if bad.size:
            return False, f"{bad.size} of {a.size} differ (max abs diff {diff.max():.3e}, scale {scale:.3e})"
        return True, ""
    if mode == "mc":
        (va, sa), (vb, sb) = ref, got
        sa = sa if sa == sa and sa > 0 else None
        sb = sb if sb == sb and sb > 0 else None
        if sa is None and sb is None:
            ok = abs(va - vb) <= 1e-2 * max(abs(va), abs(vb))
            return ok, "" if ok else f"{vb!r} vs {va!r} (no stderr; > 1% apart)"
        sa = sa if sa is not None else sb
        sb = sb if sb is not None else sa
        sigma = math.hypot(sa, sb)
        ok = abs(va - vb) <= 6 * sigma
        return ok, "" if ok else f"{vb!r} vs {va!r}: {abs(va - vb) / sigma:.1f} sigma apart"
    raise ValueError(mode)


# --------------------------------------------------------------------------
# Machine description
# --------------------------------------------------------------------------


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem_total = mem_avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                key, val = line.split(":", 1)
                if key == "MemTotal":
                    mem_total = int(val.split()[0]) * 1024
                elif key == "MemAvailable":
                    mem_avail = int(val.split()[0]) * 1024
    except OSError:
        pass
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "mem_total_bytes": mem_total,
        "mem_available_bytes": mem_avail,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def _evonas_info() -> tuple[str, str]:
    try:
        import evonas  # the parent imports evonas only for its version and path

        return getattr(evonas, "__version__", "?"), os.path.dirname(evonas.__file__)
    except Exception as exc:  # noqa: BLE001
        return "not importable", _error_text(exc)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def _parse_args(description: str, argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the script (well under a minute)")
    ap.add_argument(
        "--only",
        action="append",
        metavar="SUBSTRING",
        help="run only the rows whose label (kernel/input/m=M/n=N) contains SUBSTRING; repeatable",
    )
    ap.add_argument("--json", metavar="PATH", help="also write every row, time and check to PATH as JSON")
    ap.add_argument("--repeat", type=int, default=5, metavar="K", help="at most K timed calls per cell (best is shown)")
    ap.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="S",
        help="seconds per cell for repeats: fewer than K calls are made when one call is slow "
        "(default 1.0; 0.05 with --quick)",
    )
    ap.add_argument(
        "--limit",
        type=float,
        default=None,
        metavar="S",
        help="per-call limit: a contestant whose call took longer is skipped for the larger sizes of "
        "that kernel and input (default 20; 1 with --quick)",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="a peer's call running longer is killed (default: --limit)",
    )
    ap.add_argument(
        "--evonas-timeout",
        type=float,
        default=None,
        metavar="S",
        help="an evonas call running longer is killed (default 3 x --limit)",
    )
    ap.add_argument("--threads", type=int, default=None, help="n_threads passed to evonas (default: all cores)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the input generators")
    ap.add_argument(
        "--peers",
        default=None,
        metavar="A,B",
        help="comma-separated subset of the peers to run (default: every installed peer)",
    )
    args = ap.parse_args(argv)
    if args.budget is None:
        args.budget = 0.05 if args.quick else 1.0
    if args.limit is None:
        args.limit = 1.0 if args.quick else 20.0
    if args.timeout is None:
        args.timeout = args.limit
    if args.evonas_timeout is None:
        args.evonas_timeout = 3 * args.limit
    args.repeat = max(1, args.repeat)
    return args


@dataclasses.dataclass
class _History:
    # per (contestant, kernel, kind): [(m, n, time or None, exceeded)]
    rows: dict = dataclasses.field(default_factory=dict)

    def record(self, name: str, case: Case, cell: Cell, limit: float):
        t = cell.first if cell.status == "ok" else None
        exceeded = cell.exceeded or (t is not None and t > limit)
        self.rows.setdefault((name, case.kernel, case.kind), []).append((case.m, case.n, t, exceeded))

    def skip_reason(
        self, name: str, case: Case, limit: float, growth: float | None, any_n: bool = False
    ) -> str | None:
        for m, n, t, exceeded in self.rows.get((name, case.kernel, case.kind), []):
            # More objectives and more points are never faster. With any_n (rows whose
            # sizes were chosen to be about equally hard as m grows), more objectives are
            # taken to be no faster whatever n.
            if exceeded and m <= case.m and (n <= case.n or (any_n and m < case.m)):
                return f"skipped (>{limit:g}s)"
            # Extrapolate from a smaller n: t ~ n^growth (1 unless the script knows the
            # algorithm is worse, e.g. 2 for an O(n^2) sort). None: never extrapolate.
            if growth is not None and t is not None and m == case.m and n < case.n:
                if t * (case.n / n) ** growth > limit:
                    return f"skipped (>{limit:g}s)"
        return None


def main(
    *,
    script: str,
    title: str,
    contestants: Sequence[Contestant],
    cases: Callable[[bool], list[Case]],
    adapters: dict | None = None,
    guards: dict | None = None,
    growth: dict | None = None,
    harder_with_m: Sequence[str] = (),
    notes: Sequence[str] = (),
    argv=None,
) -> int:
    args = _parse_args(f"evonas benchmark: {title}", argv)
    guards = guards or {}
    growth = growth or {}
    script = os.path.abspath(script)
    info = machine_info()
    evonas_version, evonas_path = _evonas_info()

    selected = [c for c in contestants if c.name == "evonas"]
    missing: list[str] = []
    wanted = set(args.peers.split(",")) if args.peers else None
    for c in contestants:
        if c.name == "evonas":
            continue
        if wanted is not None and c.name not in wanted:
            continue
        if c.installed():
            selected.append(c)
        else:
            missing.append(c.name)
    names = [c.name for c in selected]
    peer_names = [n for n in names if n != "evonas"]

    all_cases = cases(args.quick)
    if args.only:
        all_cases = [c for c in all_cases if any(s in c.label for s in args.only)]

    # ---- header
    gib = 1024**3
    print(f"# evonas benchmark: {title}{' (--quick)' if args.quick else ''}")
    print()
    mem = ""
    if info["mem_total_bytes"]:
        mem = f", {info['mem_total_bytes'] / gib:.0f} GiB RAM ({info['mem_available_bytes'] / gib:.0f} GiB available)"
    print(f"- machine: {info['cpu']}, {info['logical_cpus']} logical CPUs ({info['usable_cpus']} usable){mem}")
    print(f"- {info['os']}; Python {info['python']}; numpy {info['numpy']}")
    print(f"- evonas {evonas_version} ({evonas_path}); n_threads={args.threads if args.threads else 'all'}")
    for c in selected[1:]:
        print(f"- {c.name} {c.version()}")
    for name in missing:
        print(f"- {name}: not installed, skipped")
    print(
        f"- best of up to {args.repeat} calls within {args.budget:g} s per cell; a contestant is skipped for larger "
        f"sizes once a call took > {args.limit:g} s (or is predicted to); a call is killed after {args.timeout:g} s "
        f"({max(args.timeout, args.evonas_timeout):g} s for evonas); seed {args.seed}"
    )
    for line in notes:
        print(f"- {line}")
    print()
    cols = ["kernel", "input", "n", "m", *names, "fastest peer", "ratio", "check"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join("---" for _ in cols) + "|")
    sys.stdout.flush()

    mem_budget = int(0.6 * (info["mem_available_bytes"] or 8 * gib))
    opts = {"seed": args.seed, "repeat": args.repeat, "budget": args.budget, "threads": args.threads}
    workers = {n: Worker(script, n) for n in names}
    history = _History()
    json_rows = []
    footnotes: list[str] = []
    errors: dict = {}
    t_start = time.perf_counter()
    try:
        for case in all_cases:
            cells: dict[str, Cell] = {}
            for name in names:
                if adapters is not None and (case.kernel, name) not in adapters:
                    cells[name] = Cell("na", text="—")  # this library has no such function
                    continue
                if name == "evonas":
                    # The subject: never skipped on a guess, and given longer before it is killed.
                    g, cap = None, max(args.timeout, args.evonas_timeout)
                else:
                    g = growth.get((case.kernel, name), 1.0)
                    g = g(case) if callable(g) else g
                    cap = args.timeout
                reason = history.skip_reason(name, case, args.limit, g, case.kernel in harder_with_m)
                guard = guards.get((case.kernel, name))
                if reason is None and guard is not None:
                    why = guard(case, mem_budget, args.limit)
                    if why:
                        reason = f"skipped ({why})"
                if reason is not None:
                    cells[name] = Cell("skipped", text=reason)
                    continue
                cell = workers[name].run(case, opts, cap)
                history.record(name, case, cell, args.limit)
                cells[name] = cell
                if cell.status in ("error", "crashed"):
                    errors.setdefault((name, cell.text), []).append(case.label)
            row = _finish_row(case, cells, names, peer_names, footnotes)
            out = [
                case.kernel,
                case.input_text,
                fmt_n(case.n),
                str(case.m),
                *[cells[n].show() if n in cells else "—" for n in names],
                row["fastest"] or "—",
                f"{row['ratio']:.3g}x" if row["ratio"] is not None else "—",
                row["check"],
            ]
            print("| " + " | ".join(s.replace("|", "/") for s in out) + " |")
            sys.stdout.flush()
            json_rows.append(
                {
                    "kernel": case.kernel,
                    "input": case.kind,
                    "n": case.n,
                    "m": case.m,
                    "params": case.p,
                    "label": case.label,
                    "results": {n: cells[n].to_json() for n in names},
                    "fastest_peer": row["fastest"],
                    "ratio_fastest_peer_over_evonas": row["ratio"],
                    "check": row["check"],
                }
            )
    finally:
        for w in workers.values():
            w.close()

    elapsed = time.perf_counter() - t_start
    print()
    print(
        "ratio = time of the fastest peer / evonas time (> 1: evonas is faster); only peers whose answer "
        "agrees with evonas's count. MISMATCH: that answer disagrees with evonas's (see below)."
    )
    if footnotes or errors:
        print()
        for line in footnotes:
            print(f"- {line}")
        for (name, text), labels in errors.items():
            more = f" and {len(labels) - 1} more row(s)" if len(labels) > 1 else ""
            print(f"- {name}: {text} (in {labels[0]}{more})")
    print()
    print(f"total wall time {elapsed:.1f} s")
    if args.json:
        doc = {
            "benchmark": title,
            "quick": args.quick,
            "machine": info,
            "evonas": {"version": evonas_version, "path": evonas_path},
            "peers": {c.name: c.version() for c in selected[1:]},
            "missing_peers": missing,
            "options": {k: v for k, v in vars(args).items() if k != "json"},
            "rows": json_rows,
            "wall_time_s": elapsed,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1, default=_json_default)
            f.write("\n")
        print(f"wrote {args.json}")
    return 0


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    raise TypeError(type(o))


def _finish_row(case: Case, cells: dict, names: list, peer_names: list, footnotes: list) -> dict:
    ok = [n for n in names if cells[n].status == "ok"]
    check = "—"
    ref_name = "evonas" if "evonas" in ok else (ok[0] if ok else None)
    if ref_name is not None:
        bad = []
        for n in ok:
            if n == ref_name:
                continue
            good, detail = compare(case.compare, cells[ref_name].result, cells[n].result)
            cells[n].check = "ok" if good else "MISMATCH"
            if not good:
                cells[n].check_detail = detail
                bad.append(n)
                footnotes.append(f"MISMATCH {case.label}: {n} vs {ref_name}: {detail}")
        others = [n for n in ok if n != ref_name]
        if not others:
            check = "—"
        elif ref_name == "evonas" and bad and len(bad) == len(others):
            check = "MISMATCH (evonas disagrees with every peer)"
            cells["evonas"].check = "MISMATCH"
        elif bad:
            check = "MISMATCH " + ",".join(bad)
        else:
            check = "ok" if ref_name == "evonas" else f"peers agree (vs {ref_name})"
        if ref_name != "evonas" and bad:
            check = f"peers disagree with {ref_name}: " + ",".join(bad)
    fastest, ratio = None, None
    good_peers = [n for n in peer_names if cells[n].status == "ok" and cells[n].check != "MISMATCH"]
    if good_peers:
        fastest = min(good_peers, key=lambda n: cells[n].time)
        ev = cells.get("evonas")
        if ev is not None and ev.status == "ok" and ev.check != "MISMATCH" and ev.time > 0:
            ratio = cells[fastest].time / ev.time
    return {"fastest": fastest, "ratio": ratio, "check": check}
