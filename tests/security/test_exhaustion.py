"""Threat: a submission exhausts the host — CPU, memory, disk, processes, threads, output. Each
is stopped at the exercise's limit with a message the student can act on, and the host and the
pool carry on. (The planted exercise sets wall 4 s, CPU 3 s, 512 MB, 3 processes, 16 MB tmpfs.)"""
from __future__ import annotations

import shutil
import time

from tests.security.conftest import GOOD, lines


def timed(lab, src, **kw):
    t0 = time.monotonic()
    r = lab.grade(src, **kw)
    return r, time.monotonic() - t0


def test_endless_computation_is_stopped(lab):
    r, seconds = timed(lab, "while True:\n    pass\n" + GOOD)
    assert r.verdict.value == "time_limit" and r.score == 0
    assert "seconds" in r.message and "loop" in r.message
    assert seconds < 20
    lab.healthy()


def test_sleeping_with_closed_output_is_stopped(lab):
    r, seconds = timed(lab, "import os, time\nos.close(1)\nos.close(2)\ntime.sleep(600)\n" + GOOD)
    assert r.verdict.value == "time_limit" and r.score == 0
    assert "4 seconds" in r.message
    assert seconds < 20
    lab.healthy()


def test_endless_computation_in_child_processes_is_stopped(lab):
    src = "import os\nfor _ in range(3):\n    try:\n        os.fork()\n    except OSError:\n        pass\n" \
          "while True:\n    pass\n" + GOOD
    r, seconds = timed(lab, src, seeds="public")
    assert r.verdict.value == "time_limit" and r.score == 0
    assert seconds < 20
    lab.healthy()


def test_memory_is_capped(lab):
    r = lab.grade("import torch\nhog = [torch.ones(64 << 20) for _ in range(100)]\n" + GOOD)
    assert r.verdict.value == "memory_limit" and r.score == 0
    assert "512 MB" in r.message
    lab.healthy()


def test_memory_is_capped_for_python_objects(lab):
    r = lab.grade("hog = []\nwhile True:\n    hog.append(bytearray(1 << 20))\n" + GOOD)
    assert r.verdict.value == "memory_limit" and r.score == 0
    lab.healthy()


FILL = '''
import os
total = 0
try:
    with open(PATH, "wb") as f:
        while total < (1 << 30):
            f.write(b"x" * (1 << 20))
            f.flush()
            total += 1 << 20
except OSError as e:
    print("STOPPED", type(e).__name__)
print("TOTAL", total >> 20)
''' + GOOD


def test_disk_is_capped(lab):
    before = shutil.disk_usage("/tmp").used
    r = lab.grade("PATH = '/tmp/fill'\n" + FILL, seeds="public")
    total = max(int(line.split()[1]) for line in lines(r, "TOTAL"))
    assert lines(r, "STOPPED") and total <= 16
    assert abs(shutil.disk_usage("/tmp").used - before) < (256 << 20)
    lab.healthy()


def test_output_folder_is_capped(lab):
    r = lab.grade("PATH = '/out/fill'\n" + FILL, seeds="public")
    total = max(int(line.split()[1]) for line in lines(r, "TOTAL"))
    assert lines(r, "STOPPED") and total <= 32 * 2 + 1
    lab.healthy()


def test_file_count_is_capped(lab):
    src = '''
import os
n = 0
try:
    while n < 100000:
        open(f"/tmp/f{n}", "w").close()
        n += 1
except OSError as e:
    print("STOPPED", type(e).__name__)
print("FILES", n)
''' + GOOD
    r = lab.grade(src, seeds="public")
    n = max(int(line.split()[1]) for line in lines(r, "FILES"))
    assert lines(r, "STOPPED") and n <= 4096
    lab.healthy()


def test_fork_bomb_is_capped(lab):
    src = '''
import os, time
made = 0
for _ in range(200):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        made += 1
    except OSError:
        break
print("MADE", made)
''' + GOOD
    r, seconds = timed(lab, src, seeds="public")
    made = max(int(line.split()[1]) for line in lines(r, "MADE"))
    assert made <= 3
    assert r.score == lab.full_marks and seconds < 20   # the sleeping children do not hold it up
    lab.healthy()


def test_thread_bomb_is_capped(lab):
    src = '''
import threading, time
made = 0
for _ in range(200):
    try:
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        made += 1
    except RuntimeError:
        break
print("THREADS", made)
''' + GOOD
    r = lab.grade(src, seeds="public")
    made = max(int(line.split()[1]) for line in lines(r, "THREADS"))
    assert made <= 3 and r.score == lab.full_marks
    lab.healthy()


def test_output_flood_is_stopped(lab):
    r, seconds = timed(lab, "while True:\n    print('spam' * 100)\n" + GOOD)
    assert r.verdict.value == "output_limit" and r.score == 0
    assert "64 KB" in r.message
    assert len(r.stdout) + len(r.stderr) <= 64 * 1024
    assert seconds < 20
    lab.healthy()


def test_trace_flood_is_stopped(lab):
    src = '''
from graders import trace
import torch
for k in range(100000):
    trace.record("junk", torch.ones(1 << 16), step=k)
''' + GOOD
    r = lab.grade(src, seeds="public")
    assert r.score == 0 and r.verdict.value in ("output_limit", "memory_limit"), (r.verdict, r.message)
    lab.healthy()


def test_limit_messages_name_the_limit(lab):
    fork = lab.grade("import os\nfor _ in range(10):\n    os.fork()\n" + GOOD, seeds="public")
    assert fork.verdict.value == "exception" and "processes or threads" in fork.message
    disk = lab.grade("with open('/tmp/x', 'wb') as f:\n    for _ in range(64):\n"
                     "        f.write(b'x' * (1 << 20))\n" + GOOD, seeds="public")
    assert disk.verdict.value == "exception" and "16 MB of files" in disk.message, disk.message
    lab.healthy()
