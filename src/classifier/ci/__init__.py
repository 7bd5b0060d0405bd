"""Steps the GitHub workflows run, beside the pipeline: comment, pull/push, release, deploy."""
