"""Markdown helpers: tables, change marks, and fitting a GitHub comment."""

from classifier.rendering.markdown import change, fit, table


def test_change_marks_depend_on_the_metric_direction():
    assert change("accuracy", 0.90, 0.95) == "🟢 +0.0500"
    assert change("log_loss", 0.10, 0.15) == "🔴 +0.0500"
    assert change("accuracy", 0.9, 0.9) == "⚪ 0"
    assert change("accuracy", None, 0.9) == "—"


def test_tiny_changes_keep_their_six_decimals():
    assert change("accuracy", 0.985507, 0.985517) == "🟢 +0.000010"


def test_table_escapes_pipes():
    assert table(["a"], [["x|y"]]) == "| a |\n| --- |\n| x\\|y |"


def test_fit_replaces_the_largest_section_by_a_stub_but_keeps_the_first():
    sections = ["## verdict\n\nshort", "### big\n\n" + "x" * 5000, "### small\n\nok"]
    text = fit(sections, 1000, "see the artifact")
    assert len(text) <= 1000
    assert text.startswith("## verdict")
    assert (
        "### big\n\n> ✂️ Left out to fit a GitHub comment (5,009 characters); see the artifact."
        in text
    )
    assert "### small\n\nok" in text


def test_fit_leaves_a_short_report_alone():
    assert fit(["a", "b"], 100, "x") == "a\n\nb"
