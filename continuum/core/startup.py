"""What a long-running Continuum process does once, before it serves (or is timed).

`settle()` loads what lives for the whole process — the U.S. ZIP table behind every place
(about 42,000 records from the `zipcodes` package) — and then moves everything alive into
the garbage collector's permanent generation (`gc.freeze`). Without it, each full collection
walks those records again: the matching benchmark saw 30-60 ms pauses on about 3% of
questions (docs/benchmark.md). Nothing is lost: frozen objects are simply never scanned.
"""

from __future__ import annotations

import gc


def settle() -> None:
    from continuum.directory import geo

    geo.zip_centroid("33101")  # loads the ZIP table, once
    gc.collect()
    gc.freeze()
