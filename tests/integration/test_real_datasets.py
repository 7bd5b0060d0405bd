"""Three real public datasets (testkit.realdata), each taken from the raw file to a checked
release as a team would: every verb the README names, with no test or code edited.

Telecom churn (yes/no target, 14 % positive, a 51-level category, an id), Ames housing
(an integer target, dotted names, missing values, a kitchen rating seen once, in the
test split) and the NSW job-training study (a True/False target at 7 %, boolean
features, pandas' unnamed index column). `main` holds a baseline of the suite's own
(the fruit table), so nothing here reads the data the user committed.
"""

import json
import shutil
from pathlib import Path

import httpx
import pandas as pd
import pytest
from testkit.realdata import REAL, ames_housing
from testkit.repo import git_commit, run, tool_env
from testkit.server import build_bento
from testkit.swap import Swap, baseline_project, swap

from classifier.contracts.features import FeatureSchema
from classifier.serving.messages import request_rows
from classifier.serving.smoke import bentoml_serve

TOKEN = "real-data-t0k3n"  # noqa: S105


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with the suite's baseline reproduced and committed on `main`."""
    return baseline_project(tmp_path_factory.mktemp("real") / "template")


def project(template: Path, tmp_path: Path, data: Swap) -> Path:
    """A copy of the template on a branch that swaps in `data` (params.yaml and data/raw/)."""
    repo = tmp_path / "project"
    shutil.copytree(template, repo, symlinks=True)
    run(["git", "checkout", "-q", "-b", "our-data"], repo)
    swap(repo, data)
    return repo


def no_raw_noise(result) -> None:
    """What a user reads: our own lines, never a traceback or a library's raw warning."""
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text, text[-3000:]
        assert "Warning:" not in text, text[-3000:]  # UserWarning, FutureWarning, …


def test_the_first_try_of_the_ames_data_is_warned_about_before_anything_runs(template, tmp_path):
    repo = project(template, tmp_path, ames_housing(first_try=True))
    checked = run(["classifier", "check"], repo)
    no_raw_noise(checked)
    warnings = [line for line in checked.stderr.splitlines() if line.startswith("warning: ")]
    said = "\n".join(warnings)
    assert "feature 'Alley' is missing in 93% of the rows" in said
    assert "feature 'Sale.Type' has categories with leading or trailing spaces ('WD ')" in said
    assert "class '1' has 3 training and 1 test rows" in said
    assert "class '2' has 10 training and 3 test rows" in said
    assert "test rows with a value of 'Kitchen.Qual' training never saw ('Po'): 1" in said
    assert all(line.startswith("warning: data/raw/ames.csv: ") for line in warnings)


@pytest.mark.parametrize("name", sorted(REAL))
def test_a_real_dataset_goes_from_the_raw_file_to_a_checked_release(template, tmp_path, name):
    data = REAL[name]()
    repo = project(template, tmp_path, data)
    no_raw_noise(run(["classifier", "check"], repo))
    no_raw_noise(run(["classifier", "run"], repo))
    git_commit(repo, f"our data: {name}")

    # The first report on the new data: its own numbers, class balance and features,
    # nothing set beside the fruit baseline's.
    report = run(["classifier", "report", "--base", "main", "--check"], repo, check=False)
    assert report.returncode == 0, report.stderr
    markdown = (repo / "report/report.md").read_text()
    assert "**The dataset was replaced**" in markdown
    assert "| metric | PR |" in markdown
    assert "| candidate | mean ± std | best params |" in markdown
    assert "🔴" not in markdown
    assert "🟢" not in markdown
    assert "may no longer be missing" not in markdown
    summary = json.loads((repo / "data/prepared/summary.json").read_text())
    total = sum(sides["train"] + sides["test"] for sides in summary["classes"].values())
    for label, sides in summary["classes"].items():
        share = (sides["train"] + sides["test"]) / total
        assert f"| `{label}` | {sides['train'] + sides['test']:,} | {share:.1%} |" in markdown

    # The release path: the bento serves this model, and the smoke test passes, a value
    # training never saw (Ames' `Po` kitchen) expected to be refused, by name.
    home = tmp_path / "bentoml"
    tag = build_bento(repo, home)
    smoke = run(["classifier", "smoke"], repo, BENTOML_HOME=str(home))
    no_raw_noise(smoke)
    unseen = [w for w in summary["warnings"] if w["kind"] == "unseen"]
    refused = sum(w["rows"] for w in unseen)
    test_rows = summary["rows"]["test"]
    assert f"{test_rows - refused} test rows answered as the model file answers them" in (
        smoke.stderr
    )
    if refused:
        assert f"{refused} test rows refused as expected" in smoke.stderr
        for warning in unseen:
            assert f'["{warning["subject"]}"]: Input should be' in smoke.stderr

    # Batch scoring of the raw file: one spelling of the labels, refusals by file line.
    out = tmp_path / "scored.csv"
    run(["classifier", "predict", f"data/raw/{data.file}", str(out)], repo)
    scored = pd.read_csv(out, dtype=str)
    labels = {str(c).lower() if isinstance(c, bool) else str(c) for c in data.data["classes"]}
    assert set(scored["label"]) <= labels
    rejects = tmp_path / "scored.rejects.csv"
    assert len(scored) + (len(pd.read_csv(rejects)) if rejects.exists() else 0) == len(data.frame)
    if name == "ames":
        refusal = pd.read_csv(rejects)
        assert refusal["line"].tolist() == [refusal["row"][0] + 2]
        assert refusal["reason"][0].startswith('["Kitchen.Qual"]: Input should be')

    # Served traffic with feedback, as JSON types a client sends, then `make monitor`.
    records = tmp_path / "records"
    sent = served_traffic(repo, home, tag, records, data, tmp_path / "serve.log")
    monitored = run(
        ["classifier", "monitor", "--records", str(records), "--since", "all", "--out", "mon"],
        repo,
        check=False,
    )
    no_raw_noise(monitored)
    findings = json.loads((repo / "mon/findings.json").read_text())
    assert findings["rows"] == sent
    text = (repo / "mon/report.md").read_text()
    assert "### Other versions" not in text

    # The template's own dataset and model checks follow the new contract, unedited.
    tiers = run(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/data", "tests/model"],
        repo,
        check=False,
    )
    assert tiers.returncode == 0, tiers.stdout[-3000:]


def served_traffic(repo: Path, home: Path, tag: str, records: Path, data: Swap, log: Path) -> int:
    """Serve with records; send every test row (single requests and a batch), label them
    all through /feedback; check the JSON types on the way. Rows answered."""
    test = pd.read_parquet(repo / "data/prepared/test.parquet")
    target = data.data["target"]
    options = f"services.classifier.monitoring.options.log_path={records}"
    env = tool_env(BENTOML_HOME=str(home), BENTOML_CONFIG_OPTIONS=options, FEEDBACK_TOKEN=TOKEN)
    with bentoml_serve(tag, repo, log, env) as server, httpx.Client(base_url=server.url) as http:
        schema = FeatureSchema.from_json(http.get("/metadata").json()["features"])
        rows = request_rows(test.drop(columns=[target]), schema)
        answered, labels = 0, []
        for start in range(0, len(rows), 50):
            batch = rows[start : start + 50]
            answer = http.post("/predict", json={"rows": batch}, timeout=60)
            if answer.status_code == 400:  # a value training never saw: sent alone instead
                answers = [http.post("/predict", json={"rows": [row]}) for row in batch]
            else:
                answers = [answer]
            for i, reply in enumerate(answers):
                if reply.status_code != 200:
                    assert "training never saw" not in reply.text  # the service's own words
                    continue
                request = reply.headers["x-bentoml-request-id"]
                for row, prediction in enumerate(reply.json()):
                    assert type(prediction["label"]) is type(data.data["classes"][0])
                    truth = test[target].iloc[start + (i if len(answers) > 1 else row)]
                    truth = truth.item() if hasattr(truth, "item") else truth  # numpy scalars
                    labels.append({"request_id": request, "row": row, "label": truth})
                    answered += 1
        token = {"authorization": f"Bearer {TOKEN}"}
        assert http.post("/feedback", json={"labels": labels}, headers=token).json() == {
            "recorded": len(labels)
        }
        if isinstance(data.data["classes"][0], bool):  # one spelling: JSON booleans only
            wrong = [{**labels[0], "label": str(labels[0]["label"]).lower()}]
            refused = http.post("/feedback", json={"labels": wrong}, headers=token)
            assert refused.status_code == 400
            assert "valid boolean" in refused.json()["error"]
    return answered


@pytest.mark.xdist_group("docker")
def test_the_image_of_a_model_with_a_test_row_it_must_refuse_passes_its_smoke_test(
    template, tmp_path, docker_env
):
    """The release's own check, on the container: the Ames kitchen rated `Po` (in the
    test split only) is refused by name, every other test row answered as the model."""
    repo = project(template, tmp_path, ames_housing())
    run(["classifier", "run"], repo)
    git_commit(repo, "our data: ames")
    home = tmp_path / "bentoml"
    build_bento(repo, home)
    env = {**docker_env, "BENTOML_HOME": str(home)}
    run(["classifier", "image", "build"], repo, **env)
    try:
        smoke = run(["classifier", "image", "smoke"], repo, **env)
    finally:
        tags = json.loads((repo / "build/image.json").read_text())["tags"]
        run(["docker", "rmi", "--force", *tags], repo, check=False, **env)
    no_raw_noise(smoke)
    assert "585 test rows answered as the model file answers them" in smoke.stderr
    assert "1 test rows refused as expected" in smoke.stderr
    assert 'test row 320: rows[0]["Kitchen.Qual"]: Input should be' in smoke.stderr
