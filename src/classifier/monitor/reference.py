"""The monitoring reference `make bento` stored beside the model, read back and typed."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.contracts.categories import kind, typed
from classifier.contracts.errors import UserError
from classifier.statistics.drift import Reference
from classifier.tools.files import read_json


@dataclass(frozen=True)
class ModelReference:
    """What served traffic is compared with: training distributions and the test set's mix."""

    model: str
    classes: list[str]
    features: dict[str, Reference]
    test_rows: int
    actual: dict[str, float]  # class shares of the test split
    predicted: dict[str, float]  # class shares the model predicts on it
    confidence: float  # mean probability of the predicted class on it
    metrics: dict[str, float]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModelReference":
        test = data["test"]
        return cls(
            model=data["model"],
            classes=list(data["classes"]),
            features={k: Reference.from_json(v) for k, v in data["features"].items()},
            test_rows=int(test["rows"]),
            actual=dict(test["actual"]),
            predicted=dict(test["predicted"]),
            confidence=float(test["confidence"]),
            metrics=dict(test["metrics"]),
        )

    def category_kind(self, feature: str) -> type:
        """How a categorical feature travels in records: int (codes), bool or str."""
        return kind(typed(self.features[feature].categories))


def load(path: Path) -> ModelReference:
    """Read a reference file; a missing or foreign file is a UserError naming it."""
    if not path.is_file():
        raise UserError(
            f"{path} not found: the reference travels with the model (`make bento` writes it; "
            "a release carries it as reference.json); pass REFERENCE=<file>"
        )
    try:
        return ModelReference.from_json(read_json(path))
    except (KeyError, TypeError, ValueError) as err:
        raise UserError(f"{path} is not a monitoring reference ({err!r})") from None
