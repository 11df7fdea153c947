#!/usr/bin/env python3
"""DATABASE_URL mode against a server the harness did not start: the CTest fixture's cluster, reached
through its superuser connection string as a user's own server would be. A fixture run passes, and
afterwards the server holds no database of this run (only verdict_tpl_* templates stay).
Usage: check_external_server.py VERDICT_BINARY FIXTURE_FILE (needs VERDICT_SERVER_STATE)"""
import json
import os
import shutil
import subprocess
import tempfile
import sys

def fail(msg):
    print(f"check_external_server: FAIL: {msg}")
    sys.exit(1)

def databases(conninfo):
    r = subprocess.run(["psql", conninfo, "-Atc", "SELECT datname FROM pg_database ORDER BY 1"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"psql failed: {r.stderr}")
    return set(r.stdout.split())

def main():
    binary, fixture = sys.argv[1], sys.argv[2]
    with open(os.environ["VERDICT_SERVER_STATE"]) as f:
        conninfo = json.load(f)["conninfo"]
    env = {k: v for k, v in os.environ.items() if k != "VERDICT_SERVER_STATE"}
    env["DATABASE_URL"] = conninfo
    work = tempfile.mkdtemp(prefix="verdict-external-")
    out = os.path.join(work, "out")
    # A copy with a name of its own: its databases are named after it, so this check can tell them
    # from those of tests running at the same time on the same server.
    label = f"ext_{os.getpid()}"
    scenario = os.path.join(work, f"{label}.json")
    shutil.copy(fixture, scenario)
    proc = subprocess.Popen([binary, "fixtures", scenario, "--out", out], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate(timeout=120)
    print(stdout, end="")
    if proc.returncode != 0:
        fail(f"the fixture run on DATABASE_URL exited {proc.returncode}: {stderr[-2000:]}")
    with open(os.path.join(out, "verdict.json")) as f:
        if json.load(f)["status"] != "pass":
            fail("verdict.json does not say pass")
    left = [d for d in databases(conninfo) if d.startswith("verdict_t_") and d.endswith(f"_{label}")]
    if left:
        fail(f"the run left its databases on the server: {left}")
    shutil.rmtree(work, ignore_errors=True)
    print("check_external_server: ok: a fixture passed on DATABASE_URL and left none of its databases")
    print("1 passed, 0 failed")

if __name__ == "__main__":
    main()
