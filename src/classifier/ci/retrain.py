"""`make retrain-pr`: labelled traffic back into the data, through a pull request.

Predictions that got a true label through `POST /feedback` become rows of the raw data:
their features as served, their label as given. Rows already in the data (same target
and features) are left out, the new file must pass the data contract, and a branch
`retrain/<until>` with the new data and the watermark `data/feedback.json` (labels up to
this time are in) is opened as a pull request, which the pull-request workflow then
reproduces, reports and gates. Nothing is merged. It does nothing while a retraining
pull request is still open, or when no new labelled row exists.
"""

import base64
import csv
import io
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.ci.github import GitHub
from classifier.contracts.errors import UserError
from classifier.contracts.labels import label_text
from classifier.contracts.locations import records_location
from classifier.contracts.params import Params, load_params
from classifier.monitor import records
from classifier.monitor.reference import load
from classifier.report.datadiff import row_hashes
from classifier.serving import record_fields as fields
from classifier.serving.artifacts import REFERENCE
from classifier.stages.data import parse_raw

log = logging.getLogger(__name__)

WATERMARK = Path("data/feedback.json")
BRANCH = "retrain/"


@dataclass(frozen=True)
class Labelled:
    """New labelled rows as raw-data lines, and where they came from."""

    frame: pd.DataFrame  # in the raw file's columns
    requests: list[str]
    start: pd.Timestamp
    until: pd.Timestamp
    models: list[str]
    skipped: int  # already in the data


def labelled_rows(found: records.Records, params: Params, since: str | None) -> pd.DataFrame:
    """Predictions joined with their feedback label (the latest one), newer than `since`."""
    keys = [fields.REQUEST, fields.ROW]
    feedback = found.feedback
    if since:
        feedback = feedback[feedback[fields.TIMESTAMP] > pd.Timestamp(since)]
    truth = feedback.sort_values(fields.TIMESTAMP).drop_duplicates(keys, keep="last")
    joined = found.predictions.drop(columns=[fields.LABEL]).merge(
        truth[[*keys, fields.LABEL, fields.TIMESTAMP]], on=keys, suffixes=("_served", "")
    )
    contract = params.data
    columns = {fields.FEATURE + name: name for name in contract.features}
    rows = joined.rename(columns={**columns, fields.LABEL: contract.target})
    return rows[
        [contract.target, *contract.features, fields.REQUEST, fields.TIMESTAMP, fields.MODEL]
    ]


def new_rows(rows: pd.DataFrame, raw: pd.DataFrame, params: Params) -> tuple[pd.DataFrame, int]:
    """The rows not already in the data (by target and features, as the contract compares)."""
    columns = [params.data.target, *params.data.features]
    existing = set(row_hashes(raw.astype({c: str for c in columns}), columns))
    hashes = row_hashes(rows.astype({c: str for c in columns}), columns)
    fresh = [h not in existing for h in hashes]
    return rows[fresh].drop_duplicates(columns), len(rows) - int(sum(fresh))


def appended(raw_bytes: bytes, rows: pd.DataFrame, params: Params) -> bytes:
    """The raw CSV with `rows` added in its own column order, separator and missing token."""
    contract = params.data
    header = next(
        csv.reader([raw_bytes.decode("utf-8-sig").split("\n", 1)[0]], delimiter=contract.sep)
    )
    missing = contract.na_values[0] if contract.na_values else ""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=contract.sep, lineterminator="\n")
    for _, row in rows.iterrows():
        cells = []
        for column in header:
            value = row.get(column)
            if value is None or (isinstance(value, float) and pd.isna(value)):
                cells.append(missing)
            else:
                cells.append(label_text(value) if column == contract.target else str(value))
        writer.writerow(cells)
    text = raw_bytes if raw_bytes.endswith(b"\n") else raw_bytes + b"\n"
    return text + out.getvalue().encode()


def gather(source: str, params: Params, since: str | None) -> tuple[Labelled | None, bytes]:
    """The new labelled rows and the raw file with them added (checked by the contract)."""
    raw_path = params.paths.raw_data
    if Path(f"{raw_path}.dvc").exists() or not raw_path.is_file():
        raise UserError(
            f"{raw_path} is not a file committed to git (a .dvc pointer?): a retraining pull "
            "request adds rows to a git-tracked CSV; with DVC, `dvc add` them and push the data"
        )
    found = records.read(source, load(REFERENCE))
    rows = labelled_rows(found, params, since)
    raw_bytes = raw_path.read_bytes()
    raw = parse_raw(raw_bytes, str(raw_path), params.data)
    fresh, skipped = new_rows(rows, raw, params)
    if fresh.empty:
        return None, raw_bytes
    content = appended(raw_bytes, fresh, params)
    parse_raw(content, f"{raw_path} with the labelled rows", params.data)  # the contract holds
    labelled = Labelled(
        frame=fresh,
        requests=sorted(fresh[fields.REQUEST].unique().tolist()),
        start=fresh[fields.TIMESTAMP].min(),
        until=fresh[fields.TIMESTAMP].max(),
        models=sorted(fresh[fields.MODEL].dropna().unique().tolist()),
        skipped=skipped,
    )
    return labelled, content


def describe(new: Labelled) -> str:
    """The pull request's body: what was added and where it came from."""
    shown = ", ".join(f"`{r}`" for r in new.requests[:20])
    more = f" and {len(new.requests) - 20} more" if len(new.requests) > 20 else ""
    return "\n".join(
        [
            f"{len(new.frame)} labelled rows from served traffic, appended to the raw data.",
            "",
            f"- Labels given between {new.start:%Y-%m-%d %H:%M} and {new.until:%Y-%m-%d %H:%M}",
            f"- Served by {', '.join(f'`{m}`' for m in new.models)}",
            f"- Requests (X-BentoML-Request-ID): {shown}{more}",
            f"- Left out: {new.skipped} rows already in the data",
            "",
            "The rows passed the data contract. This pull request's checks reproduce the "
            "pipeline and report the model against `main`; nothing is merged automatically.",
        ]
    )


def open_pull_request(
    github: GitHub, files: dict[str, bytes], title: str, body: str, branch: str
) -> int:
    """A branch with `files` changed on the default branch, and its pull request."""
    status, repo = github.call("GET", "")
    base = _ok(status, repo, "read the repository")["default_branch"]
    head = _ok(*github.call("GET", f"/git/ref/heads/{base}"), f"read {base}")["object"]["sha"]
    tree = _ok(*github.call("GET", f"/git/commits/{head}"), "read its commit")["tree"]["sha"]
    entries = []
    for path, content in files.items():
        blob = {"content": base64.b64encode(content).decode(), "encoding": "base64"}
        sha = _ok(*github.call("POST", "/git/blobs", blob), f"upload {path}")["sha"]
        entries.append({"path": path, "mode": "100644", "type": "blob", "sha": sha})
    new_tree = _ok(
        *github.call("POST", "/git/trees", {"base_tree": tree, "tree": entries}), "write the tree"
    )
    commit = {"message": f"{title}\n\n{body}", "tree": new_tree["sha"], "parents": [head]}
    made = _ok(*github.call("POST", "/git/commits", commit), "commit")["sha"]
    _ok(
        *github.call("POST", "/git/refs", {"ref": f"refs/heads/{branch}", "sha": made}),
        "push the branch",
    )
    pull = {"title": title, "head": branch, "base": base, "body": body}
    return int(_ok(*github.call("POST", "/pulls", pull), "open the pull request")["number"])


def _ok(status: int, answer: Any, what: str) -> Any:
    if status not in (200, 201):
        raise UserError(
            f"the GitHub API did not let this step {what} (HTTP {status}); nothing merged"
        )
    return answer


def retrain(source: str, env: Mapping[str, str]) -> str:
    """Open the retraining pull request, or say why not."""
    github = GitHub.from_env(env)
    status, pulls = github.call("GET", "/pulls?state=open&per_page=100")
    waiting = [
        p for p in _ok(status, pulls, "list pull requests") if p["head"]["ref"].startswith(BRANCH)
    ]
    if waiting:
        return f"retraining pull request #{waiting[0]['number']} is still open: nothing new opened"
    params = load_params()
    since = json.loads(WATERMARK.read_text())["until"] if WATERMARK.is_file() else None
    new, content = gather(source, params, since)
    if new is None:
        return "no new labelled rows: no pull request"
    until = new.until.isoformat()
    watermark = json.dumps({"until": until, "rows": len(new.frame)}, indent=2) + "\n"
    files = {params.paths.raw_data.as_posix(): content, WATERMARK.as_posix(): watermark.encode()}
    title = f"Retrain on {len(new.frame)} labelled rows from served traffic"
    branch = BRANCH + new.until.strftime("%Y%m%dT%H%M%S")
    number = open_pull_request(github, files, title, describe(new), branch)
    return f"opened pull request #{number} ({branch}) with {len(new.frame)} labelled rows"


def main(argv: list[str]) -> None:
    """`classifier retrain-pr [--records SOURCE]`."""
    source = argv[2] if len(argv) > 2 and argv[1] == "--records" else None
    source = records_location(source, os.environ, load_params().monitor.records)
    log.info("%s", retrain(source, os.environ))
