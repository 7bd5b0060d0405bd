"""The charts: what a reader sees in them."""

from classifier.rendering.plots import Paired, importance_compare


def test_a_side_without_bars_has_no_legend_entry():
    """The first importance chart of a new dataset: main has no such features."""
    paired = Paired(["a", "b"], [None, None], [(0.2, 0.01), (0.1, 0.02)], ("main", "PR"))
    figure = importance_compare(paired, "f1_macro")
    [legend] = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == ["PR"]
    with_base = Paired(["a"], [(0.1, 0.0)], [(0.2, 0.0)], ("main", "PR"))
    [legend] = importance_compare(with_base, "f1_macro").legends
    assert [text.get_text() for text in legend.get_texts()] == ["main", "PR"]
