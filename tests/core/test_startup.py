"""continuum.core.startup.settle: the ZIP table loaded once, and the heap frozen."""

from __future__ import annotations

import gc

from continuum.core.startup import settle
from continuum.directory import geo


def test_settle_loads_the_zip_table_and_freezes_what_lives() -> None:
    try:
        settle()
        assert gc.get_freeze_count() > 40_000  # the ZIP records at least
        assert geo.zip_centroid("33101") is not None
    finally:
        gc.unfreeze()
