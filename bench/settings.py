"""Product settings plus what the benchmark needs and production never has: a URL
configuration with one trivial view beside the product's URLs, and collected static
files in a temporary directory. Everything else is the product's own configuration."""

import os

from msp_maturity.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
