"""A bento serves the model it was built with, whatever else the machine's store holds.

Two checkouts share one BentoML store (one machine, one $BENTOML_HOME): the second
`make bento` adds a newer `classifier` model. The first checkout's bento must still
serve its own model: `latest` would be the other project's.
"""

import json

import httpx
from testkit.repo import fixture_repo, run
from testkit.server import build_bento, served_bento


def test_a_second_checkouts_bento_does_not_change_what_the_first_serves(
    history, churn_data, tmp_path
):
    first = history[0]
    home = tmp_path / "bentoml"
    first_bento = build_bento(first, home)
    first_model = json.loads((first / "build/bento.json").read_text())["model"]

    second = fixture_repo(tmp_path / "second", churn_data)
    run(["classifier", "run"], second)
    build_bento(second, home)
    second_model = json.loads((second / "build/bento.json").read_text())["model"]
    assert second_model != first_model  # the store's latest is now the other project's

    with served_bento(first, home, first_bento, tmp_path / "serve.log") as server:
        meta = httpx.get(f"{server.url}/metadata", timeout=30).json()
    assert meta["model"] == first_model
    assert meta["classes"] == ["pear", "apple", "cherry"]
