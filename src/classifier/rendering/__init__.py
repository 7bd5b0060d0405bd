"""What the report, monitoring and the CI steps render with: markdown tables and sections,
inert spans for any string from data, checked reading of data that may be hostile, and
the charts. Everything but `plots` is standard library (the comment job runs it)."""
