"""Load tests bounded in time: wrk when installed, else a threaded Python client."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

LUA = Path(__file__).with_name("post.lua")
LIMIT_LUA = Path(__file__).with_name("limit.lua")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _parse_wrk(output: str) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "bad_status": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "tool": "wrk",
    }


def run_wrk(
    url: str,
    connections: int,
    seconds: int,
    script_args: list[str] | None = None,
    script: Path = LUA,
) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script_args is not None or script != LUA:
        command += ["-s", str(script), url]
        if script_args:
            command += ["--", *script_args]
    else:
        command += ["-H", "Host: 127.0.0.1", url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    parsed = _parse_wrk(result.stdout)
    parsed["raw"] = result.stdout[-1500:]
    return parsed


def run_threads(
    port: int,
    connections: int,
    seconds: int,
    method: str,
    paths,
    body: bytes = b"",
) -> dict:
    """Fallback without wrk: ``connections`` threads, each sending requests one after
    the other for ``seconds``; ``paths`` is a callable giving the next path."""
    stop = time.monotonic() + seconds
    counts = {"ok": 0, "bad": 0, "errors": 0}
    lock = threading.Lock()
    headers = {"Host": "127.0.0.1"}
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    def worker():
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request(method, paths(), body=body or None, headers=headers)
                status = conn.getresponse().status
                key = "ok" if status < 400 else "bad"
            except OSError:
                key = "errors"
            finally:
                conn.close()
            with lock:
                counts[key] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    total = sum(counts.values())
    return {
        "rps": counts["ok"] / elapsed,
        "requests": total,
        "bad_status": counts["bad"],
        "socket_errors": counts["errors"],
        "tool": "python-threads",
    }
