"""The README's promises that code can check: quick start verbs, the example report."""

from pathlib import Path

from testkit.readme import END, START, readme_excerpt
from testkit.repo import ROOT

EXAMPLE = Path("docs/example-report")


def test_readme_quick_start_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme


def test_ci_entry_point_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_readme_example_is_verbatim_from_the_generated_report():
    readme = (ROOT / "README.md").read_text()
    shown = readme.split(START, 1)[1].split(END, 1)[0].strip()
    generated = (ROOT / EXAMPLE / "report.md").read_text()
    assert shown == readme_excerpt(generated, EXAMPLE)
    for image in ("confusion.png", "cv_scores.png", "importance.png"):
        assert f"]({image})" in generated
        assert (ROOT / EXAMPLE / image).is_file()
