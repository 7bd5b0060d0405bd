"""The README's example report: the excerpt shown, made from docs/example-report."""

from pathlib import Path

README = Path("README.md")
START, END = "<!-- example-report:start -->", "<!-- example-report:end -->"
EXCERPT = ("### Metrics", "### Gate rules", "### Confusion matrices")


def readme_excerpt(markdown: str, folder: Path) -> str:
    """Verdict and metrics (no per-class details), gate, confusion; images from `folder`."""
    first, *sections = markdown.split("\n\n### ")
    kept = [first]
    kept += [
        "### " + s.split("\n\n<details>")[0] for s in sections if ("### " + s).startswith(EXCERPT)
    ]
    return "\n\n".join(kept).strip().replace("](", f"]({folder.as_posix()}/")


def update_readme(folder: Path) -> None:
    """Replace the README's example with an excerpt of the freshly generated report."""
    excerpt = readme_excerpt((folder / "report.md").read_text(), folder)
    text = README.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n\n{excerpt}\n\n{END}{tail}")
