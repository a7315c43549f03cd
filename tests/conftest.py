"""Hypothesis settings profiles, chosen with the environment variable HYPOTHESIS_PROFILE.

- ``ci`` (default): a bounded number of examples per test, no deadline, derandomized —
  the same examples on every run, so CI is deterministic and fast.
- ``thorough``: many more examples from a fresh random seed each run, for a local hunt:
  ``HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_properties.py
  -p no:cacheprovider -q --hypothesis-show-statistics``.

Neither profile keeps an example database: nothing is written into the checkout.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=50, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough", max_examples=2500, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
