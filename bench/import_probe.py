"""Run one import (a CSV file or an .xlsx workbook) in this process and print its time and peak memory as JSON.

``python -m bench.import_probe tickets FILE`` (Django settings from the environment).
Peak memory is the process's maximum resident set size (getrusage), so it includes
Python and Django themselves; ``baseline_rss_mb`` is the peak before the import began.
"""

import json
import resource
import sys
import time


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main(kind: str, path: str) -> None:
    import django

    django.setup()
    from kpis import importing

    # Load what the import loads anyway (lookups, code), so the baseline is fair.
    importing.IMPORTERS[kind]().lookups()
    baseline = peak_rss_mb()
    started = time.perf_counter()
    with open(path, "rb") as binary:
        result = importing.import_csv(kind, binary)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "seconds": elapsed,
                "baseline_rss_mb": baseline,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
