"""Thin wrappers of the tools the project drives: git, DVC's output, the filesystem
(atomic, deterministic writes). No project knowledge; the lowest layer."""
