"""An example of domain checks: what a biologist expects of the bundled Palmer penguins.

They run only while params.yaml points at the bundled table; write your own dataset's
expectations the same way (plausible ranges, known relationships, rare classes).
"""

import pytest
from testkit.repo import ROOT

from classifier.contracts.params import load_params
from classifier.stages.data import load_raw

BUNDLED = load_params(ROOT / "params.yaml").paths.raw_data.name == "penguins.csv"
pytestmark = pytest.mark.skipif(not BUNDLED, reason="domain checks of the bundled penguins only")


@pytest.fixture(scope="module")
def penguins(user_params):
    return load_raw(ROOT / user_params.paths.raw_data, user_params.data)


def test_measurements_are_in_plausible_ranges(penguins):
    bounds = {
        "bill_length_mm": (25, 65),
        "bill_depth_mm": (10, 25),
        "flipper_length_mm": (160, 240),
        "body_mass_g": (2500, 6500),
    }
    for column, (low, high) in bounds.items():
        values = penguins[column].dropna()
        assert values.between(low, high).all(), column


def test_species_live_on_their_known_islands(penguins):
    islands = penguins.groupby("species")["island"].unique().map(set).to_dict()
    assert islands["Gentoo"] == {"Biscoe"}
    assert islands["Chinstrap"] == {"Dream"}
    assert islands["Adelie"] == {"Biscoe", "Dream", "Torgersen"}


def test_no_class_is_rarer_than_a_tenth_of_the_rows(penguins):
    assert penguins["species"].value_counts(normalize=True).min() > 0.1


def test_missing_values_are_rare(penguins, user_params):
    missing = penguins[user_params.data.features].isna().mean()
    assert (missing < 0.05).all()


@pytest.mark.parametrize(
    ("species", "heavier_than"), [("Gentoo", "Adelie"), ("Gentoo", "Chinstrap")]
)
def test_gentoo_are_the_heaviest(penguins, species, heavier_than):
    mass = penguins.groupby("species")["body_mass_g"].median()
    assert mass[species] > mass[heavier_than] + 500
