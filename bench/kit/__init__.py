"""bench/kit: the pieces of bench/run (systems under test, figures, table)."""
