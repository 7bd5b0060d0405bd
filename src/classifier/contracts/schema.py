"""The data contract as a pandera schema, and its failures as one line a user can act on."""

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from classifier.contracts.labels import label_text
from classifier.contracts.params import DataContract

MAX_EXAMPLES = 3


def line_of(index: Any) -> int:
    """The file line of a data row: line 1 is the header."""
    return int(index) + 2


def contract_schema(contract: DataContract) -> pa.DataFrameSchema:
    """Columns, types, missing-value rules and classes, all from params.yaml's data section."""
    # Lenient conversion: values that fail coercion are reported by the coercion, not here.
    finite = pa.Check(lambda s: ~np.isinf(pd.to_numeric(s, errors="coerce")), name="finite")
    columns = {
        # The target arrives already read as the kind of data.classes (stages.data).
        contract.target: pa.Column(None, pa.Check.isin(contract.classes), nullable=False),
        **{
            name: pa.Column("float64", finite, nullable=name in contract.nullable, coerce=True)
            for name in contract.numeric
        },
        **{
            name: pa.Column(str, nullable=name in contract.nullable)
            for name in contract.categorical
        },
        **{name: pa.Column(required=False, nullable=True) for name in contract.ignore},
    }
    return pa.DataFrameSchema(columns, strict=True)


def schema_problems(failures: pd.DataFrame, contract: DataContract) -> list[str]:
    """Group pandera's failure cases into one message per column and kind of problem."""
    problems = []
    missing = _values(failures, "column_in_dataframe")
    if missing:
        problems.append(f"missing column {_names(missing)} (params.yaml data section expects it)")
    extra = _values(failures, "column_in_schema")
    if extra:
        problems.append(
            f"unexpected column {_names(extra)} (add it to data.ignore, or use it as a feature)"
        )
    column_failures = failures[failures["column"].notna()]
    for (column, check), cases in column_failures.groupby(["column", "check"], sort=False):
        message = _column_message(str(column), str(check), cases, contract)
        if message:
            problems.append(message)
    return problems


def _column_message(column: str, check: str, cases: pd.DataFrame, contract: DataContract) -> str:
    where = _examples(cases)
    if check.startswith("coerce_dtype"):
        return f"column '{column}' must be numeric: {where}"
    if check == "finite":
        return f"column '{column}' has infinite values: {where}"
    if check == "not_nullable" and column == contract.target:
        return f"column '{column}' (the target) is empty at {_lines(cases)}"
    if check == "not_nullable":
        return (
            f"column '{column}' has missing values at {_lines(cases)} "
            "(list it in data.nullable to allow them)"
        )
    if check.startswith("isin"):
        allowed = ", ".join(label_text(c) for c in contract.classes)
        return f"column '{column}' has values not in data.classes ({allowed}): {where}"
    if check.startswith("dtype"):
        return ""  # pandera repeats a failed coercion as a dtype failure; already reported
    return f"column '{column}' fails {check}: {where}"


def _values(failures: pd.DataFrame, check: str) -> list[str]:
    return [str(v) for v in failures.loc[failures["check"] == check, "failure_case"]]


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _examples(cases: pd.DataFrame) -> str:
    shown = [
        f"{plain(case)!r} at line {line_of(index)}"
        for case, index in zip(
            cases["failure_case"][:MAX_EXAMPLES], cases["index"][:MAX_EXAMPLES], strict=True
        )
    ]
    return ", ".join(shown) + _more(len(cases))


def plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, so messages show `2`, not `np.int64(2)`."""
    return value.item() if isinstance(value, np.generic) else value


def _lines(cases: pd.DataFrame) -> str:
    lines = [str(line_of(i)) for i in cases["index"][:MAX_EXAMPLES]]
    return ("line " if len(lines) == 1 else "lines ") + ", ".join(lines) + _more(len(cases))


def _more(count: int) -> str:
    return f" (+{count - MAX_EXAMPLES} more)" if count > MAX_EXAMPLES else ""
