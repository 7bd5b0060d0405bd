"""Class labels as the data stores them: text, integers or booleans, never mixed.

`data.classes` in params.yaml fixes the kind (YAML numbers are integers, `true`/`false`
booleans, anything else text), and the target column is read as that kind. JSON and
file names need text: `label_text` is the one spelling used for keys everywhere.
"""

from collections.abc import Sequence

Label = bool | int | str

# What a CSV cell may say for a boolean class (YAML 1.1's spellings, which is how
# params.yaml itself reads `yes`/`no` and `on`/`off` into booleans).
TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0"})


def label_kind(classes: Sequence[Label]) -> type:
    """bool, int or str: the one type every class has (bool checked first; it is an int).

    >>> label_kind([False, True]).__name__, label_kind([2, 0, 1]).__name__
    ('bool', 'int')
    >>> label_kind(["a", 1])
    Traceback (most recent call last):
    ValueError: mixes kinds of labels (int, str); use one kind for every class
    """
    kinds = {bool if isinstance(c, bool) else int if isinstance(c, int) else str for c in classes}
    if len(kinds) != 1:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise ValueError(f"mixes kinds of labels ({names}); use one kind for every class")
    return kinds.pop()


def label_text(label: Label) -> str:
    """How a label is written as a JSON key or in text: booleans as `true`/`false`.

    >>> label_text(True), label_text(3), label_text("Adelie")
    ('true', '3', 'Adelie')
    """
    if hasattr(label, "item"):  # a numpy scalar (a model's classes_): numpy.bool_ is no bool
        label = label.item()
    if isinstance(label, bool):
        return "true" if label else "false"
    return str(label)


def parse_label(text: str, kind: type) -> Label | None:
    """A CSV cell as a label of `kind`, or None when it cannot be one.

    >>> parse_label(" Yes ", bool), parse_label("2.0", int), parse_label("2.5", int)
    (True, 2, None)
    """
    cleaned = text.strip()
    if kind is str:
        return text
    if kind is bool:
        word = cleaned.lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None
