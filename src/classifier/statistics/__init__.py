"""The statistics the report and monitoring share: drift (PSI and its chi-square test),
and the paired bootstrap that tells a real change between two models from noise."""
