"""Property tests (Hypothesis): random input through the test client never gives a 5xx.

The number of examples comes from the Hypothesis profile (tests/conftest.py): ``default`` runs
100 per test in ``make test``; ``make fuzz`` runs the ``fuzz`` profile, 5000 per test.
"""
