"""Cross-backend conformance suite (see conftest.py for how to run it)."""
