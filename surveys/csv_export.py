"""Survey exports: figures with one decimal, small tables built in memory."""

from functools import partial

from core import csv_export

neutralise = partial(csv_export.neutralise, decimals=1)
csv_response = partial(csv_export.csv_response, decimals=1)
