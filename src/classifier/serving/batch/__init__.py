"""`make predict`: batch scoring, in modules named for what each does (see command)."""
