"""The benchmark behind ``make bench`` (``python -m bench``); see docs/benchmarks.md.

It runs the product under gunicorn with DEBUG off on PostgreSQL and Redis, loads the
large data set if missing, measures pages, the survey answer POST, the e-mail fan-out,
the CSV import and the threshold check, and writes docs/benchmarks.md and raw JSON to
bench/results/.
"""
