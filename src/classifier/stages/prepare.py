"""Stage `prepare`: validate the raw table against the data contract, split it, summarise it."""

from typing import Any

import pandas as pd

from classifier.contracts.files import write_json, write_parquet
from classifier.contracts.params import Params, load_params
from classifier.stages.data import drop_duplicates, load_raw, split, summarize


def prepare(params: Params) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Validated, deduplicated (if allowed) and split data, plus its summary; writes nothing."""
    raw = load_raw(params.paths.raw_data, params.data)
    train, test = split(drop_duplicates(raw, params.data), params.data, params.split)
    return train, test, summarize(raw, train, test, params.data)


def main(argv: list[str]) -> None:
    """Read params and the raw CSV; write the train/test Parquet files and reports/data.json."""
    params = load_params()
    train, test, summary = prepare(params)
    write_parquet(params.paths.train_data, train)
    write_parquet(params.paths.test_data, test)
    write_json(params.paths.data_report, summary)
