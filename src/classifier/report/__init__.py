"""The pull-request report: both sides read, compared, gated, rendered as markdown and charts."""
