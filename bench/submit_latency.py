"""Measures submit-to-graded time through the JSON API, as a client sees it: submit a file N times
(one at a time), poll each submission every 20 ms, print each time and the median.

    python -m bench.submit_latency --server URL --token TOKEN --course backprop \\
        --exercise one-training-step --file exercises/one-training-step/solution.py -n 10
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from server.api_client import ApiClient


def measure(client: ApiClient, course: str, exercise: str, code: str, n: int) -> list[float]:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        sid = client.submit(course, exercise, code)["id"]
        while True:
            sub = client.submission(sid)
            if sub["status"] in ("graded", "error"):
                break
            time.sleep(0.02)
        times.append(time.perf_counter() - t0)
        print(f"{i + 1:3d}  submission {sid}: {sub['status']} {sub['score']}/{sub['max_score']} "
              f"in {times[-1]:.3f} s", flush=True)
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--course", required=True)
    p.add_argument("--exercise", required=True)
    p.add_argument("--file", required=True, type=Path)
    p.add_argument("-n", type=int, default=10)
    a = p.parse_args()
    times = measure(ApiClient(a.server, a.token), a.course, a.exercise,
                    a.file.read_text(encoding="utf-8"), a.n)
    print(f"median submit-to-graded: {statistics.median(times):.3f} s over {len(times)} "
          f"(min {min(times):.3f}, max {max(times):.3f})")


if __name__ == "__main__":
    main()
