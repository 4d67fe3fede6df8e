"""KPI exports: figures with two decimals; tables stream, since ticket lists are long."""

from functools import partial

from core import csv_export

neutralise = csv_export.neutralise
csv_response = partial(csv_export.csv_response, stream=True)
