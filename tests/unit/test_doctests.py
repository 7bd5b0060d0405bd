"""The examples in small pure helpers' docstrings hold (scikit-learn's habit)."""

import doctest
import importlib

import pytest

MODULES = [
    "classifier.rendering.inert",
    "classifier.ci.steps",
    "classifier.statistics.drift",
    "classifier.monitor.window",
    "classifier.contracts.locations",
    "classifier.contracts.keys",
    "classifier.contracts.features",
    "classifier.contracts.labels",
    "classifier.contracts.categories",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
