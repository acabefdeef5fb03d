"""The confidence model's refit (benchmarks/align_calibration.py): the logistic fit recovers a
known model, keeps the posterior's weight non-negative, and writes constants that confidence.py
reads back."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def calibration():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("align_calibration")
    finally:
        sys.path.remove(str(BENCHMARKS))


def synthetic(rng, n, intercept, weights):
    x = np.column_stack([rng.normal(0, 1.5, n), (rng.random(n) < 0.1).astype(float)])
    p = 1 / (1 + np.exp(-(intercept + x @ weights)))
    return x, rng.random(n) < p


def test_fit_recovers_a_known_logistic_model(calibration):
    x, y = synthetic(np.random.default_rng(3), 20000, 1.0, np.array([0.8, -3.0]))
    intercept, weights = calibration.fit(x, y, np.ones(len(y)))
    assert intercept == pytest.approx(1.0, abs=0.1)
    assert weights["posterior"] == pytest.approx(0.8, abs=0.05)
    assert weights["null"] == pytest.approx(-3.0, abs=0.2)


def test_fit_never_gives_the_posterior_a_negative_weight(calibration):
    x, y = synthetic(np.random.default_rng(4), 5000, 0.5, np.array([-0.7, -2.0]))
    intercept, weights = calibration.fit(x, y, np.ones(len(y)))
    assert weights["posterior"] == 0.0 and weights["null"] < -1.0


def test_balanced_weights_count_each_set_equally(calibration):
    w = calibration.balanced_weights([np.zeros(10), np.zeros(30)])
    assert w[:10].sum() == pytest.approx(w[10:].sum())
    assert w.sum() == pytest.approx(40)


def test_written_constants_are_what_confidence_reads(calibration, tmp_path, monkeypatch):
    target = tmp_path / "confidence_fit.py"
    monkeypatch.setattr(calibration, "FIT_MODULE", target)
    monkeypatch.setattr(calibration, "ROOT", tmp_path)
    data = {"a": {"y": np.array([True, False, True])}}
    calibration.write_fit(0.25, {"posterior": 0.5, "null": -4.0}, data)
    namespace: dict = {}
    exec(target.read_text(encoding="utf-8"), namespace)
    assert namespace["INTERCEPT"] == 0.25
    assert namespace["WEIGHTS"] == {"posterior": 0.5, "null": -4.0}
    assert "3 beads, 1 of them wrong" in target.read_text(encoding="utf-8")
