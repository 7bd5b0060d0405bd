"""What every other part agrees on: params, the data contract, labels, metrics, files, errors.

Nothing here imports scikit-learn, DVC or BentoML; most modules need only the standard
library, so any step (a CI job holding a token included) can use them.
"""
