"""Stage `prepare`: validate the raw table against the data contract, split it, summarise it."""

from typing import Any

import pandas as pd

from classifier.data import drop_duplicates, load_raw, split, summarize
from classifier.errors import run_cli
from classifier.files import write_json, write_parquet
from classifier.params import Params, load_params


def prepare(params: Params) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Validated, deduplicated (if allowed) and split data, plus its summary; writes nothing."""
    raw = load_raw(params.paths.raw_data, params.data)
    train, test = split(drop_duplicates(raw, params.data), params.data, params.split)
    return train, test, summarize(raw, train, test, params.data)


def main() -> None:
    """Read params and the raw CSV; write the train/test Parquet files and reports/data.json."""
    params = load_params()
    train, test, summary = prepare(params)
    write_parquet(params.paths.train_data, train)
    write_parquet(params.paths.test_data, test)
    write_json(params.paths.data_report, summary)


if __name__ == "__main__":
    run_cli(main)
