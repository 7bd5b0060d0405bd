"""An example of domain checks of the model: what a biologist expects of a penguin classifier.

They run only while params.yaml points at the bundled table; write your own model's
expectations the same way (a typical case of each class, a direction that must hold).
"""

import numpy as np
import pandas as pd
import pytest
from testkit.repo import ROOT

from classifier.contracts.params import load_params

BUNDLED = load_params(ROOT / "params.yaml").paths.raw_data.name == "penguins.csv"
pytestmark = pytest.mark.skipif(not BUNDLED, reason="domain checks of the bundled penguins only")


@pytest.fixture(scope="module")
def model(user_model):
    return user_model


@pytest.fixture(scope="module")
def typical(user_data, user_params):
    """The median numeric features and the most common categories of each species."""
    rows = {}
    for species, group in user_data.groupby("species"):
        row = group[user_params.data.numeric].median().to_dict()
        row.update({c: group[c].mode().iloc[0] for c in user_params.data.categorical})
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


def test_an_island_never_seen_in_training_is_ignored_not_an_error(model, typical):
    row = {**typical["Gentoo"], "island": "Anvers"}
    assert proba(model, [row]).iloc[0].idxmax() == "Gentoo"
