"""Which of the package's modules a module imports, read from the source (no import needed)."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def module_file(name: str) -> Path:
    """'classifier.stages' -> src/classifier/stages/__init__.py; modules -> their .py file."""
    path = SRC / name.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def package_imports(module: str) -> set[str]:
    """The classifier modules `module` loads, directly or through each other, packages included."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        tree = ast.parse(module_file(name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("classifier"):
                todo.append(node.module)
                submodules = (f"{node.module}.{alias.name}" for alias in node.names)
                todo.extend(s for s in submodules if module_file(s).is_file())
            elif isinstance(node, ast.Import):
                todo.extend(a.name for a in node.names if a.name.startswith("classifier"))
    return seen


def source_files(module: str) -> list[str]:
    """`package_imports` as repository paths (what a dvc.yaml stage lists as its code deps)."""
    root = SRC.parent
    return sorted(module_file(m).relative_to(root).as_posix() for m in package_imports(module))
