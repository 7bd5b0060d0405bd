"""The statistics the report and monitoring share: drift (PSI and its chi-square test)."""
