# The insights read the KPI data: the same factories and fixtures.
from tests.kpis.conftest import *  # noqa: F403
from tests.kpis.conftest import _english_outside_requests  # noqa: F401
