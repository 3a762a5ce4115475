"""NAS objectives and hard limits: parsing, engine signs, violations, HV space."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

from evonas import hypervolume
from evonas.nas.objectives import (
    OBJECTIVES,
    engine_values,
    front_hypervolume,
    hv_point,
    parse_constraints,
    parse_objectives,
    violations,
)


def test_parse_objectives_keeps_order_and_aliases():
    objs = parse_objectives("accuracy, FLOPS,size")
    assert [o.name for o in objs] == ["accuracy", "macs", "size"]
    assert parse_objectives(["params"])[0] is OBJECTIVES["params"]


@pytest.mark.parametrize("spec, error", [("accuracy,banana", ValueError), ("params,params", ValueError), (3, TypeError), ([], TypeError)])
def test_parse_objectives_errors(spec, error):
    with pytest.raises(error):
        parse_objectives(spec)


def test_parse_constraints():
    cons = parse_constraints("params<=50_000, accuracy>=0.9")
    assert [str(c) for c in cons] == ["params<=50000", "accuracy>=0.9"]
    assert cons[0].violation(60_000) == 10_000 and cons[0].violation(40_000) < 0
    assert cons[1].violation(0.95) < 0 and cons[1].violation(0.8) == pytest.approx(0.1)
    assert cons[0].violation(math.nan) == math.inf
    assert parse_constraints(None) == () and parse_constraints("") == ()


@pytest.mark.parametrize("spec", ["params<50000", "params<=abc", "speed<=3", "params<=inf", ["params<=1", 5]])
def test_parse_constraints_errors(spec):
    with pytest.raises(ValueError):
        parse_constraints(spec)


def test_engine_values_flip_maximised_and_fill_worst():
    objs = parse_objectives("accuracy,params,loss")
    np.testing.assert_array_equal(engine_values(objs, {"accuracy": 0.9, "params": 10, "loss": 0.3}), [-0.9, 10, 0.3])
    # Missing or NaN: the worst value (accuracy 0, costs +inf).
    np.testing.assert_array_equal(engine_values(objs, {"accuracy": math.nan}), [-0.0, math.inf, math.inf])


def test_violations_vector():
    cons = parse_constraints("params<=100,latency<=2")
    np.testing.assert_array_equal(violations(cons, {"params": 150, "latency": 1.0}), [50, -1.0])
    assert violations(cons, {}).tolist() == [math.inf, math.inf]


def test_front_hypervolume_in_the_fixed_space():
    objs = parse_objectives("accuracy,params")
    rows = [{"accuracy": 0.9, "params": 1000}, {"accuracy": 0.99, "params": 100_000}, {"accuracy": 0.5, "params": 10**9}]
    # By hand: error vs log10(params), reference (1, 8); the third point lies beyond the reference.
    expected = hypervolume(np.array([[0.1, 3.0], [0.01, 5.0]]), [1.0, 8.0])
    assert front_hypervolume(objs, rows) == pytest.approx(expected)
    assert expected == pytest.approx(0.9 * 5 + 0.09 * 3)
    assert front_hypervolume(objs, []) == 0.0
    point, ref = hv_point(objs, {"accuracy": math.nan, "params": 10})
    assert math.isnan(point[0]) and ref.tolist() == [1.0, 8.0]


PROXY_NAMES = ("synflow", "naswot", "grad_norm", "jacob_cov")


@pytest.mark.parametrize("name", PROXY_NAMES)
def test_proxy_objectives_are_cheap_maximised_and_worst_at_minus_infinity(name):
    (obj,) = parse_objectives(f" {name.upper()} ")
    assert obj is OBJECTIVES[name] and obj.maximize and obj.cheap and obj.proxy
    assert obj.worst() == -math.inf
    # Larger is better: the engine minimises the negated score; missing, undefined (NaN) and
    # -inf scores are all the worst, +inf for the engine.
    objs = parse_objectives(["accuracy", "params", name])
    assert engine_values(objs, {"accuracy": 0.9, "params": 10, name: 5.5}).tolist() == [-0.9, 10, -5.5]
    assert engine_values(objs, {name: -1e6})[2] == 1e6
    for value in ({}, {name: math.nan}, {name: -math.inf}):
        assert engine_values(objs, value)[2] == math.inf


def test_only_the_proxies_are_proxy_objectives():
    assert tuple(n for n, o in OBJECTIVES.items() if o.proxy) == PROXY_NAMES
    assert OBJECTIVES["accuracy"].worst() == 0.0 and OBJECTIVES["params"].worst() == math.inf


def test_proxy_limits_parse_and_an_undefined_score_breaks_them():
    (limit,) = parse_constraints("jacob_cov>=-2e5")
    assert limit.objective is OBJECTIVES["jacob_cov"] and str(limit) == "jacob_cov>=-200000"
    assert limit.violation(-1e5) < 0 and limit.violation(-3e5) == pytest.approx(1e5)
    assert limit.violation(math.nan) == math.inf and limit.violation(-math.inf) == math.inf


@pytest.mark.parametrize("spec", ["accuracy,synflo", "accuracy,zen_nas", "accuracy,proxy"])
def test_unknown_objective_error_lists_the_proxies(spec):
    with pytest.raises(ValueError, match=r"unknown objective .*synflow, naswot, grad_norm, jacob_cov"):
        parse_objectives(spec)


def test_proxies_are_left_out_of_the_hypervolume():
    rows = [
        {"accuracy": 0.9, "params": 1000, "synflow": 3.0},
        {"accuracy": 0.99, "params": 100_000, "synflow": -math.inf},  # a real, worst score: still counted
        {"accuracy": 0.95, "params": 10_000, "synflow": math.nan},
    ]
    with_proxy = parse_objectives("synflow,accuracy,jacob_cov,params")
    plain = parse_objectives("accuracy,params")
    point, ref = hv_point(with_proxy, rows[0])
    assert point.tolist() == pytest.approx([0.1, 3.0]) and ref.tolist() == [1.0, 8.0]
    assert front_hypervolume(with_proxy, rows) == front_hypervolume(plain, rows) > 0
    # Proxies alone: no fixed reference, no hypervolume.
    assert front_hypervolume(parse_objectives("synflow,naswot"), rows) == 0.0
    assert hv_point(parse_objectives("synflow"), rows[0])[0].shape == (0,)


def test_objectives_and_evaluation_modules_import_without_torch():
    code = "import sys, evonas.nas.objectives, evonas.nas.evaluate; print('torch' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True)
    assert out.stdout.strip() == "False"
