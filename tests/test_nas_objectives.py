"""NAS objectives and hard limits: parsing, engine signs, violations, HV space."""

from __future__ import annotations

import math

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
