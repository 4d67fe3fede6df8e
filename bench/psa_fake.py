"""The fake ConnectWise server of the tests (tests/fakes/psa.py) in a process of its own,
with ``N`` generated tickets beside its fixtures, so its memory is not the pull's.

``python -m bench.psa_fake N`` prints its base URL and signing key as one JSON line and
serves until it is terminated.
"""

import json
import sys
import threading


def main(tickets: int) -> None:
    from tests.fakes.psa import FakeConnectWise

    server = FakeConnectWise()
    # The fixture's first ticket repeated with ids from 100,000, one minute apart: the
    # same client, contact, technician and priority (their fixtures are pulled first).
    server.seed("tickets", tickets)
    server.requests = _Forgetful()  # 200 pages' requests are not worth keeping
    with server:
        print(json.dumps({"base_url": server.base_url, "signing_key": server.signing_key}))
        sys.stdout.flush()
        threading.Event().wait()


class _Forgetful(list):
    def append(self, item):
        pass


if __name__ == "__main__":
    main(int(sys.argv[1]))
