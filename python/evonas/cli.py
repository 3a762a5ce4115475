"""The `evonas` command: `evonas search ...` and `evonas report RUN_DIR`."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

_UNITS = {"s": 1, "m": 60, "h": 3600}


def _duration(text: str) -> float:
    """Seconds from '90', '90s', '10m' or '1.5h'."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([smh]?)\s*", text)
    if match is None or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"a duration such as 600, 90s, 10m or 1.5h, not {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evonas", description="Evolutionary neural architecture search.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("search", help="run or resume an architecture search")
    s.add_argument("--config", type=Path, help="TOML file with any of the options below (command-line flags win)")
    s.add_argument("--data", help="'digits' (embedded, default) or a .npz file with x/y or x_train/y_train/x_test/y_test")
    s.add_argument("--objectives", help="comma-separated, e.g. accuracy,params (default), accuracy,latency,size or "
                   "accuracy,params,synflow (zero-cost proxies, maximised: synflow, naswot, grad_norm, jacob_cov)")
    s.add_argument("--constraint", action="append", dest="constraints", help="hard limit such as params<=50000 (repeatable)")
    group = s.add_mutually_exclusive_group()
    group.add_argument("--budget", type=int, help="number of candidates to train (default 360)")
    group.add_argument("--time", type=_duration, dest="time_limit", help="search time, e.g. 10m")
    s.add_argument("--population", type=int, help="candidates per generation (default 30)")
    s.add_argument("--device", choices=("auto", "cpu", "cuda"))
    s.add_argument("--workers", type=int, help="candidates trained concurrently (default: one per core, at most 4)")
    s.add_argument("--seed", type=int)
    s.add_argument("--no-multi-fidelity", action="store_false", dest="multi_fidelity", default=None)
    s.add_argument("--no-inherit", action="store_false", dest="inherit", default=None)
    s.add_argument("--retrain", type=int, help="front models retrained on the full budget (default 3)")
    s.add_argument("--surrogate", action="store_true", default=None,
                   help="screen a bred pool with a surrogate and train only the most promising (the default)")
    s.add_argument("--no-surrogate", action="store_false", dest="surrogate", default=None,
                   help="train the bred generation as it is, without screening")
    s.add_argument("--pool-factor", type=int, help="with --surrogate: children bred per one trained (default 100)")
    s.add_argument("--kappa", type=float, help="with --surrogate: weight of the predicted uncertainty (default 0.3)")
    s.add_argument("--out", type=Path, help="run directory (default runs/<timestamp>)")
    s.add_argument("--resume", type=Path, help="continue the run in this directory")
    s.add_argument("--quiet", action="store_true", help="no progress lines")
    r = sub.add_parser("report", help="print (and re-plot) a finished or running run")
    r.add_argument("run_dir", type=Path)
    r.add_argument("--no-plot", action="store_true")
    return parser


def _config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise SystemExit("evonas: --config needs Python >= 3.11 (tomllib) or the 'tomli' package") from None
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    if "time" in raw:
        raw["time_limit"] = _duration(str(raw.pop("time")))
    if "constraint" in raw:
        raw["constraints"] = raw.pop("constraint")
    return raw


def _search(args: argparse.Namespace) -> int:
    from .nas.search import search

    options = _config(args.config)
    for key in (
        "data",
        "objectives",
        "constraints",
        "budget",
        "time_limit",
        "population",
        "device",
        "workers",
        "seed",
        "multi_fidelity",
        "inherit",
        "retrain",
        "surrogate",
        "pool_factor",
        "kappa",
    ):
        value = getattr(args, key)
        if value is not None:
            options[key] = value
    if isinstance(options.get("objectives"), str):
        options["objectives"] = tuple(options["objectives"].split(","))
    for key in ("objectives", "constraints"):
        if key in options:
            options[key] = tuple(options[key])
    if "time_limit" in options and "budget" not in options and args.resume is None:
        options["budget"] = None
    data = options.pop("data", "digits")
    out = options.pop("out", None) if args.out is None else args.out
    try:
        if args.resume is not None:
            result = search(resume=args.resume, progress=not args.quiet, **options)
        else:
            result = search(data, out=out, progress=not args.quiet, **options)
    except (ValueError, TypeError, FileNotFoundError, FileExistsError) as exc:
        print(f"evonas search: {exc}", file=sys.stderr)
        return 2
    from .nas.report import report_text

    print(report_text(result.run_dir, plot=False))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .nas.report import report_text

    try:
        print(report_text(args.run_dir, plot=not args.no_plot))
    except FileNotFoundError as exc:
        print(f"evonas report: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `evonas` command."""
    args = _parser().parse_args(argv)
    if args.command == "search":
        return _search(args)
    return _report(args)


if __name__ == "__main__":
    sys.exit(main())
