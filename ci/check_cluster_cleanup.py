#!/usr/bin/env python3
"""The embedded cluster is removed on SIGTERM and SIGINT, and a cluster left behind by a killed
(SIGKILL) run is found and removed by the next run. Runs the real binary with its own embedded
clusters in a private VERDICT_TMPDIR, so it sees exactly the clusters it caused.
Usage: check_cluster_cleanup.py VERDICT_BINARY FIXTURE_FILE"""
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time

START_TIMEOUT_S = 60

TMP = None

def fail(msg):
    print(f"check_cluster_cleanup: FAIL: {msg}")
    # Leave no server behind, even when the harness did.
    for cluster in clusters(TMP) if TMP else []:
        cmd = ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", os.path.join(cluster, "data"), "-m", "immediate", "stop"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, capture_output=True)
    if TMP:
        subprocess.run(["rm", "-rf", TMP])
    sys.exit(1)

def env_for(tmp):
    env = {k: v for k, v in os.environ.items() if k not in ("VERDICT_SERVER_STATE", "DATABASE_URL")}
    env["VERDICT_TMPDIR"] = tmp
    return env

def clusters(tmp):
    return sorted(glob.glob(os.path.join(tmp, "verdict-pg-*")))

def postmaster_running(cluster):
    pid_file = os.path.join(cluster, "data", "postmaster.pid")
    try:
        pid = int(open(pid_file).readline())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True

def start_long_run(binary, tmp, out):
    """A stress run long enough to be interrupted; returns once its cluster serves."""
    proc = subprocess.Popen([binary, "stress", "--seed", "1", "--threads", "2", "--ops", "1000000",
                             "--deadline-ms", "120000", "--out", out],
                            env=env_for(tmp), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + START_TIMEOUT_S
    while time.time() < deadline:
        found = [c for c in clusters(tmp) if postmaster_running(c)]
        if found:
            # Let the run get going (template, clone, workers) before interrupting it.
            line = proc.stdout.readline()
            while line and "seed" not in line:
                line = proc.stdout.readline()
            time.sleep(0.5)
            return proc, found[0]
        if proc.poll() is not None:
            fail(f"the run ended before its cluster started: {proc.stdout.read()}")
        time.sleep(0.05)
    proc.kill()
    fail("no embedded cluster appeared")

def main():
    binary, fixture = sys.argv[1], sys.argv[2]
    global TMP
    tmp = TMP = tempfile.mkdtemp(prefix="verdict-cleanup-")
    os.chmod(tmp, 0o755)  # the postgres user must reach its cluster below
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc, cluster = start_long_run(binary, tmp, os.path.join(tmp, f"out-{sig.name}"))
        proc.send_signal(sig)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            fail(f"the run did not exit within 60 s of {sig.name}")
        if code != 128 + sig.value:
            fail(f"after {sig.name} the run exited {code}, expected {128 + sig.value}")
        if os.path.exists(cluster):
            fail(f"after {sig.name} the cluster {cluster} is still there")
        print(f"check_cluster_cleanup: {sig.name}: exit {code}, cluster removed")

    proc, cluster = start_long_run(binary, tmp, os.path.join(tmp, "out-kill"))
    proc.kill()
    proc.wait()
    if not os.path.exists(cluster) or not postmaster_running(cluster):
        fail("after SIGKILL the cluster should be left behind (running): the check cannot judge")
    r = subprocess.run([binary, "fixtures", fixture, "--out", os.path.join(tmp, "out-next")],
                       env=env_for(tmp), capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"the next run failed ({r.returncode}): {r.stdout[-2000:]} {r.stderr[-2000:]}")
    if os.path.exists(cluster):
        fail(f"the next run left the killed run's cluster {cluster} behind")
    if clusters(tmp):
        fail(f"clusters remain after the next run: {clusters(tmp)}")
    print("check_cluster_cleanup: SIGKILL: the next run removed the cluster left behind")
    subprocess.run(["rm", "-rf", tmp])
    print("1 passed, 0 failed")

if __name__ == "__main__":
    main()
