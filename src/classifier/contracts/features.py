"""The model's feature schema: what the service, `make predict` and the smoke test accept.

`make bento` derives it from the trained model and its training split and stores it
with the model (`to_json`); everything that serves or scores reads it back
(`from_json`). It holds the feature order (numbers first, then categories, as the
data contract lists them), each number's accepted range, each category's values typed
for JSON (contracts.categories), the features that may be missing, the classes, and
how a CSV of these features is written. Standard library only: the bento ships it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from classifier.contracts.categories import Category, from_text, kind, text
from classifier.contracts.labels import Label


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV of the features is written: params.yaml's data.sep and data.na_values."""

    sep: str = ","
    na_values: tuple[str, ...] = ("NA", "")

    def to_json(self) -> dict[str, Any]:
        return {"sep": self.sep, "na_values": list(self.na_values)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "CsvDialect":
        """The stored dialect; a model stored without one was written with the defaults."""
        if not data:
            return cls()
        return cls(str(data["sep"]), tuple(str(v) for v in data["na_values"]))


@dataclass(frozen=True)
class FeatureSchema:
    """The inputs a model accepts and the classes it answers, typed.

    >>> schema = FeatureSchema("kind", (0, 1), {"size (cm)": (0.0, 9.0)}, {"grade": (1, 2)})
    >>> schema.features
    ['size (cm)', 'grade']
    >>> schema.field_names
    {'size (cm)': 'size__cm_', 'grade': 'grade'}
    >>> schema.json_value("grade", "2"), schema.model_text(True)
    (2, 'true')
    """

    target: str
    classes: tuple[Label, ...]
    numeric: Mapping[str, tuple[float, float]]  # accepted range of each number
    categorical: Mapping[str, tuple[Category, ...]]  # values seen in training, typed
    nullable: tuple[str, ...] = ()  # features that may be missing, in contract order
    csv: CsvDialect = field(default_factory=CsvDialect)

    @property
    def features(self) -> list[str]:
        """Every feature, in the order the model takes them: numbers, then categories."""
        return [*self.numeric, *self.categorical]

    def category_kind(self, column: str) -> type:
        """How a categorical feature travels in JSON: int (codes), bool or str."""
        return kind(self.categorical[column])

    @cached_property
    def field_names(self) -> dict[str, str]:
        """Column -> a Python identifier for it, unique even for columns that differ only
        in punctuation (JSON keys stay the column names). Worked out once per schema: the
        service reads it on every request."""
        names: dict[str, str] = {}
        for column in self.features:
            name = re.sub(r"\W", "_", column)
            name = f"f_{name}" if not name or name[0].isdigit() or name.startswith("_") else name
            while name in names.values():
                name += "_"
            names[column] = name
        return names

    def json_value(self, column: str, cell: str) -> Category:
        """A category cell (as text) the way a request carries it: `2`, `true`, `"red"`."""
        return from_text(cell, self.category_kind(column))

    @staticmethod
    def model_text(value: Any) -> str:
        """A category as the model was trained on it (`true`, not `True`)."""
        return text(value)

    def to_json(self) -> dict[str, Any]:
        """What `make bento` stores with the model and `/metadata` shows (without `csv`)."""
        return {
            "target": self.target,
            "classes": list(self.classes),
            "numeric": {c: list(bounds) for c, bounds in self.numeric.items()},
            "categorical": {c: list(values) for c, values in self.categorical.items()},
            "nullable": list(self.nullable),
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], csv: Mapping[str, Any] | None = None
    ) -> "FeatureSchema":
        """The stored schema (and the stored CSV dialect) read back."""
        return cls(
            target=str(data["target"]),
            classes=tuple(data["classes"]),
            numeric={str(c): (float(lo), float(hi)) for c, (lo, hi) in data["numeric"].items()},
            categorical={str(c): tuple(v) for c, v in data["categorical"].items()},
            nullable=tuple(str(c) for c in data.get("nullable", [])),
            csv=CsvDialect.from_json(csv),
        )
