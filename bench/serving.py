"""What the benchmarks that start a server share."""
import time

import requests


def wait_for(port, seconds=30):
    """Return once the server on `port` answers /healthz with 200; exit the bench otherwise."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if requests.get("http://127.0.0.1:%d/healthz" % port, timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass            # refused while the workers boot, or slow to answer on a loaded machine: ask again
        time.sleep(0.2)
    raise SystemExit("the server on port %d did not answer /healthz within %d s" % (port, seconds))
