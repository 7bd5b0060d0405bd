"""Behavioural checks of the selected model: minimum functionality, invariance, direction.

The model (conftest's `selected_model`) is refit in-process from the committed
model-selection result, so these run on a fresh clone without `make run`. Like
tests/data, they know penguins: edit them when you swap the dataset.
"""

import numpy as np
import pandas as pd
import pytest

from classifier.stages.data import features_and_target


@pytest.fixture(scope="module")
def model(selected_model):
    return selected_model


@pytest.fixture(scope="module")
def typical(penguins, params):
    """The median numeric features and the most common categories of each species."""
    rows = {}
    for species, group in penguins.groupby("species"):
        row = group[params.data.numeric].median().to_dict()
        row.update({c: group[c].mode().iloc[0] for c in params.data.categorical})
        rows[species] = row
    return rows


def proba(model, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return pd.DataFrame(model.predict_proba(frame), columns=model.classes_)


def test_a_typical_penguin_of_each_species_is_recognised(model, typical):
    for species, row in typical.items():
        p = proba(model, [row]).iloc[0]
        assert p.idxmax() == species
        assert p[species] > 0.8


def test_prediction_of_a_row_does_not_depend_on_its_batch(model, penguins, params):
    X, _ = features_and_target(penguins.head(40), params.data)
    together = model.predict_proba(X)
    alone = np.vstack([model.predict_proba(X.iloc[[i]]) for i in range(len(X))])
    shuffled = model.predict_proba(X.iloc[::-1])[::-1]
    np.testing.assert_allclose(alone, together, rtol=1e-12)
    np.testing.assert_allclose(shuffled, together, rtol=1e-12)


def test_longer_flippers_and_more_mass_move_an_adelie_towards_gentoo(model, typical):
    adelie, gentoo = typical["Adelie"], typical["Gentoo"]
    steps = [
        {**adelie, "flipper_length_mm": f, "body_mass_g": m}
        for f, m in zip(
            np.linspace(adelie["flipper_length_mm"], gentoo["flipper_length_mm"], 5),
            np.linspace(adelie["body_mass_g"], gentoo["body_mass_g"], 5),
            strict=True,
        )
    ]
    p_gentoo = proba(model, steps)["Gentoo"].to_numpy()
    assert p_gentoo[-1] > p_gentoo[0]


def test_missing_values_where_allowed_still_give_a_distribution(model, typical, params):
    row = {**typical["Chinstrap"], **dict.fromkeys(params.data.nullable, np.nan)}
    p = proba(model, [row]).iloc[0]
    assert p.sum() == pytest.approx(1.0)
    assert (p >= 0).all()


def test_an_island_never_seen_in_training_is_ignored_not_an_error(model, typical):
    row = {**typical["Gentoo"], "island": "Anvers"}
    assert proba(model, [row]).iloc[0].idxmax() == "Gentoo"
