"""Continuous-ML classifier: a DVC pipeline, a pull-request report and a BentoML service."""
