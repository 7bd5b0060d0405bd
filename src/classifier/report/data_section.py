"""The report's data section, rendered from report data: rows, schema, class balance, drift.

Standard library only (see `sections`): names from the data are inert code spans.
"""

from collections.abc import Mapping
from typing import Any

from classifier.contracts.quality import phrase
from classifier.rendering import shape
from classifier.rendering.inert import code, count
from classifier.rendering.markdown import MISSING, grid, names, revision

KINDS = frozenset({"numeric", "categorical"})


def data(report: Mapping[str, Any], figures: Mapping[str, str]) -> str:
    """Rows added/removed/changed (or the dataset replaced), schema, class balance, drift."""
    found = report.get("data")
    if found is None:
        return "### Data\n\nNo data comparison: one side's raw data could not be read (see Notes)."
    found = shape.obj(found, "data")
    rows = shape.obj(found.get("rows"), "data.rows")
    numbers = {k: shape.whole(rows.get(k), f"data.rows.{k}") for k in _ROWS}
    moved = any(numbers[k] for k in ("added", "removed", "changed"))
    schema = _schema(shape.items(found.get("schema", []), "data.schema"))
    dropped = _dropped(found)
    warned = _warnings(found)
    if not (moved or schema):
        same = f"the same {count(numbers['head'])} rows and the same schema as {revision(report)}"
        text = f"### Data\n\nUnchanged: {same}." + (f" {dropped}" if dropped else "")
        return text + (f"\n\n{warned}" if warned else "")
    parts = ["### Data", _rows(report, numbers, moved, shape.flag(rows.get("aligned"), "aligned"))]
    if dropped:
        parts.append(dropped)
    parts.append(_schema_line(report, found, schema))
    balance = _balance(report, shape.items(found.get("classes", []), "data.classes"))
    if balance:
        parts.append(balance)
    if warned:
        parts.append(warned)
    parts += _drift(report, found, figures)
    return "\n\n".join(parts)


def _warnings(found: Mapping[str, Any]) -> str:
    """The PR's data-quality warnings (`make check` prints the same), names inert."""
    lines = []
    for i, item in enumerate(shape.items(found.get("warnings", []), "data.warnings")):
        try:
            lines.append(f"- ⚠️ {phrase(shape.obj(item, 'data.warnings'), code)}")
        except (KeyError, ValueError, IndexError, TypeError) as err:
            raise shape.Malformed(f"data.warnings[{i}] is not a known warning") from err
    return "Data-quality warnings (`make check`):\n\n" + "\n".join(lines) if lines else ""


_ROWS = ("base", "head", "added", "removed", "changed")


def _dropped(found: Mapping[str, Any]) -> str:
    """The identical rows each side dropped (data.duplicates: drop): never silently."""
    counts = shape.items(found.get("dropped", [0, 0]), "data.dropped")
    if len(counts) != 2:
        raise shape.Malformed("data.dropped must have 2 items")
    base, head = (shape.whole(n, "data.dropped") for n in counts)
    if not (base or head):
        return ""
    return (
        f"Identical rows dropped before the split (`data.duplicates: drop`): {count(head)} in "
        "the PR" + (f", {count(base)} on the base" if base else "") + "; the counts above "
        "are of the rows kept."
    )


def _rows(report: Mapping[str, Any], n: Mapping[str, int], moved: bool, aligned: bool) -> str:
    if report.get("contract_change"):
        common = n["head"] - n["added"] - n["changed"]
        return (
            f"**The dataset was replaced**: {count(n['base'])} rows on {revision(report)}, "
            f"{count(n['head'])} in the PR, {count(common)} in common."
        )
    counted = "" if aligned else " (compared as multisets: an edit counts as removed + added)"
    what = (
        f"**{count(n['added'])} added, {count(n['removed'])} removed, "
        f"{count(n['changed'])} changed**"
        if moved
        else "no row added, removed or changed"
    )
    return f"Rows: {count(n['base'])} → {count(n['head'])}, {what} (by content){counted}."


def _schema_line(report: Mapping[str, Any], found: Mapping[str, Any], schema: list[str]) -> str:
    """The schema's changes; on a dataset with no feature in common, the PR's features."""
    replaced = any(
        shape.items(item, "contract_change")[:1] == ["features"]
        for item in shape.items(report.get("contract_change", []), "contract_change")
    )
    if not replaced:
        return "Schema: " + ("; ".join(schema) if schema else "unchanged") + "."
    kinds: dict[str, list[str]] = {"numeric": [], "categorical": []}
    for i, item in enumerate(shape.items(found.get("schema", []), "data.schema")):
        what, name, _, new = shape.items(item, f"data.schema[{i}]")
        if what == "added":
            kinds[shape.choice(new, KINDS, "kind")].append(shape.text(name, "feature"))
    listed = "; ".join(f"{kind} {names(given)}" for kind, given in kinds.items() if given)
    kept = [s for s in schema if s.startswith(("target", "classes"))]
    total = sum(len(given) for given in kinds.values())
    also = "; ".join(kept)
    return f"Features of the PR ({count(total)}): {listed}." + (
        f" {also[:1].upper()}{also[1:]}." if also else ""
    )


def _schema(changes: list[Any]) -> list[str]:
    """Each schema change as a phrase; names inert."""
    phrases = []
    for i, item in enumerate(changes):
        parts = shape.items(item, f"data.schema[{i}]")
        if len(parts) != 4:
            raise shape.Malformed(f"data.schema[{i}] must have 4 items")
        what, name, old, new = parts
        phrases.append(
            _schema_phrase(shape.choice(what, _PHRASES, f"data.schema[{i}]"), name, old, new)
        )
    return phrases


_PHRASES = frozenset({"added", "removed", "retyped", "target", "classes", "nullable"})


def _schema_phrase(what: str, name: Any, old: Any, new: Any) -> str:
    if what == "target":
        return f"target: {code(shape.text(old, 'target'))} → {code(shape.text(new, 'target'))}"
    if what == "classes":
        return f"classes: {names(old)} → {names(new)}"
    feature = code(shape.text(name, "feature"))
    if what == "added":
        return f"feature {feature} added ({shape.choice(new, KINDS, 'kind')})"
    if what == "removed":
        return f"feature {feature} removed"
    if what == "retyped":
        before, after = (shape.choice(kind, KINDS, "kind") for kind in (old, new))
        return f"feature {feature}: {before} → {after}"
    return f"{feature} may {'now' if shape.flag(new, 'nullable') else 'no longer'} be missing"


def _balance(report: Mapping[str, Any], classes: list[Any]) -> str:
    """Rows per class, base beside PR; the PR's alone when the classes are not the same."""
    rows = []
    for i, item in enumerate(classes):
        parts = shape.items(item, f"data.classes[{i}]")
        if len(parts) != 3:
            raise shape.Malformed(f"data.classes[{i}] must have 3 items")
        label = code(shape.text(parts[0], "class"))
        base, head = (shape.whole(p, f"data.classes[{i}]") for p in parts[1:])
        rows.append((label, base, head))
    total = sum(h for _, _, h in rows)
    share = [f"{h / total:.1%}" if total else MISSING for _, _, h in rows]
    if report.get("contract_change"):
        shown = [[label, count(h), s] for (label, _, h), s in zip(rows, share, strict=True)]
        return grid(["class", "rows (PR)", "share"], shown, right=(1, 2)) if shown else ""
    shown = [
        [label, count(b), count(h), f"{h - b:+,d}" if h != b else "0", s]
        for (label, b, h), s in zip(rows, share, strict=True)
    ]
    columns = ["class", revision(report), "PR", "change", "share (PR)"]
    return grid(columns, shown, right=(1, 2, 3, 4)) if shown else ""


def _drift(
    report: Mapping[str, Any], found: Mapping[str, Any], figures: Mapping[str, str]
) -> list[str]:
    levels = shape.items(found.get("drift_levels", [0.1, 0.25]), "data.drift_levels")
    moved, major = (shape.real(level, "data.drift_levels") or 0.0 for level in levels[:2])
    rows = []
    for i, item in enumerate(shape.items(found.get("drift", []), "data.drift")):
        entry = shape.obj(item, f"data.drift[{i}]")
        psi = shape.real(entry.get("psi"), f"data.drift[{i}].psi") or 0.0
        mark = "🔴" if psi >= major else "🟠" if psi >= moved else "⚪"
        rows.append(
            [
                code(shape.text(entry.get("feature"), f"data.drift[{i}].feature")),
                f"{mark} {psi:.3f}",
                code(shape.text(entry.get("base"), f"data.drift[{i}].base")),
                code(shape.text(entry.get("head"), f"data.drift[{i}].head")),
            ]
        )
    if not rows:
        return []
    parts = [
        f"Drift per feature (population stability index; ≥ {moved:g} moved, ≥ {major:g} "
        f"major), top {len(rows)}:\n\n" + grid(["feature", "PSI", revision(report), "PR"], rows)
    ]
    if "drift" in figures:
        parts.append(figures["drift"])
    return parts
