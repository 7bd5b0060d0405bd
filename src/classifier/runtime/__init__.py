"""How a command runs (logging, one-line errors, exit codes, the lazy import of its module).

Nothing here changes what a command computes, so the pipeline's stages do not list it
among their code deps (dvc.yaml): editing a help text or an error's format reruns nothing.
"""
