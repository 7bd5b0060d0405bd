"""The DVC pipeline: each stage a short `main` around pure functions."""
