#!/usr/bin/env python3
"""Signal-safe clean-up (issue 6). Runs the real binary with its own embedded clusters in a private
VERDICT_TMPDIR, so it sees exactly the clusters (and the registry records) it caused.

1. Moments: a whole `verdict fixtures FILE` run (start-up, initdb, template build, the scenario,
   clean-up) is timed, then SIGINT or SIGTERM is sent at evenly spread moments of it (see moments()),
   counted from the moment the harness has blocked the signals (read from /proc, not guessed). Every
   run must end with 130/143 and a verdict.json of status error naming the signal (no verdict only
   when the signal came before the run made its output directory; 0 when the run had ended), and
   leave no cluster directory, no registry record and no server process.
2. Mid-work: a long stress run is interrupted with SIGTERM and SIGINT once its workers run.
3. Crash: SIGSEGV and SIGABRT (as a crash of the harness would raise them) end the run by that signal
   after the cluster is removed and a verdict.json of status error says so.
4. A dead server: a kept cluster (`db start`) whose server was SIGKILLed is removed by `db stop`.
5. Leftovers: a SIGKILLed run's cluster, one whose server was SIGKILLed too, and a half-removed
   directory still registered, are removed by the next run.
Usage: check_cluster_cleanup.py VERDICT_BINARY FIXTURE_FILE"""
import glob
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

MOMENTS = 24  # the first spread: a step of (estimated run) / MOMENTS
INTERRUPTED_MIN = 20  # moments that must land inside a run (others: before its output directory, or after its end)
MOMENTS_MAX = 80
RUN_TIMEOUT_S = 120
PG_BIN = "/usr/lib/postgresql/15/bin"

TMP = None


def fail(msg):
    print(f"check_cluster_cleanup: FAIL: {msg}")
    # Leave no server behind, even when the harness did.
    for cluster in clusters(TMP) if TMP else []:
        cmd = [f"{PG_BIN}/pg_ctl", "-D", os.path.join(cluster, "data"), "-m", "immediate", "stop"]
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


def records(tmp):
    return sorted(glob.glob(os.path.join(tmp, "verdict-clusters-*", "*.json")))


def server_processes(tmp):
    """Processes whose command line names a path below tmp (a postmaster -D <tmp>/…/data)."""
    found = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            text = open(cmdline, "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if tmp in text and "postgres" in text:
            found.append(text.strip())
    return found


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


def no_core_files():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def start(binary, tmp, args):
    return subprocess.Popen([binary, *args], env=env_for(tmp), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, preexec_fn=no_core_files)


def signals_blocked(proc):
    """Waits until the harness has blocked SIGINT and SIGTERM (its first act in main); the moment it
    has, a signal is the harness's to handle. False when the process ended first."""
    wanted = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    while proc.poll() is None:
        try:
            for line in open(f"/proc/{proc.pid}/status"):
                if line.startswith("SigBlk:") and int(line.split()[1], 16) & wanted == wanted:
                    return True
        except OSError:
            pass
        time.sleep(0.0005)  # polling a condition, not waiting for time to pass
    return False


def finish(proc, what):
    try:
        out, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail(f"{what}: the run did not exit within {RUN_TIMEOUT_S} s")
    return proc.returncode, out


def check_nothing_left(tmp, what, out):
    if clusters(tmp):
        fail(f"{what}: a cluster is still there: {clusters(tmp)}\n{out[-3000:]}")
    if records(tmp):
        fail(f"{what}: a registry record is still there: {records(tmp)}\n{out[-3000:]}")
    if server_processes(tmp):
        fail(f"{what}: a server process is still running: {server_processes(tmp)}")


def check_error_verdict(out_dir, reason, what, out):
    path = os.path.join(out_dir, "verdict.json")
    try:
        verdict = json.load(open(path))
    except (OSError, ValueError) as e:
        fail(f"{what}: no readable verdict.json ({e})\n{out[-3000:]}")
    if verdict.get("status") != "error":
        fail(f"{what}: verdict.json says {verdict.get('status')}, expected error")
    if reason not in json.dumps(verdict):
        fail(f"{what}: verdict.json does not give the reason '{reason}'")


def fixture_args(fixture, out):
    return ["fixtures", fixture, "--out", out]


def calibrate(binary, tmp, fixture):
    """A whole run, from the blocked signals to the exit, in seconds: the first estimate."""
    out = os.path.join(tmp, "out-calibrate")
    proc = start(binary, tmp, fixture_args(fixture, out))
    if not signals_blocked(proc):
        fail(f"the calibration run ended before it blocked signals: {proc.communicate()[0][-2000:]}")
    t0 = time.monotonic()
    code, text = finish(proc, "calibration")
    if code != 0:
        fail(f"the calibration run exited {code}: {text[-3000:]}")
    check_nothing_left(tmp, "calibration", text)
    return time.monotonic() - t0


def interrupt_at(binary, tmp, fixture, index, offset_s):
    """One run, signalled offset_s after it blocked signals. True when the signal landed in the run."""
    sig = signal.SIGINT if index % 2 == 0 else signal.SIGTERM
    what = f"moment {index + 1} ({sig.name} at {offset_s:.2f} s)"
    out = os.path.join(tmp, f"out-moment-{index}")
    proc = start(binary, tmp, fixture_args(fixture, out))
    if not signals_blocked(proc):
        fail(f"{what}: the run ended before it blocked signals: {proc.communicate()[0][-2000:]}")
    t0 = time.monotonic()
    # Choosing the moment, not synchronising with it: whatever the harness is doing then must work.
    while time.monotonic() - t0 < offset_s:
        time.sleep(min(0.005, max(0.0, offset_s - (time.monotonic() - t0))))
    proc.send_signal(sig)
    code, text = finish(proc, what)
    check_nothing_left(tmp, what, text)
    if code == 0:
        print(f"check_cluster_cleanup: {what}: the run had ended (exit 0), nothing left")
        return False
    if code != 128 + sig.value:
        fail(f"{what}: the run exited {code}, expected {128 + sig.value}\n{text[-3000:]}")
    if not os.path.exists(out):
        # Before the run made its output directory (parsing its arguments): nothing to clean, no
        # place for a verdict. Every directory a run makes gets its verdict.json.
        print(f"check_cluster_cleanup: {what}: exit {code} before the run began, nothing left")
        return False
    check_error_verdict(out, f"interrupted by {sig.name}", what, text)
    print(f"check_cluster_cleanup: {what}: exit {code}, verdict error, nothing left")
    return True


def moments(binary, tmp, fixture):
    """Moments evenly spread over a whole run: every step of a first estimate's length until a run
    ends before its signal, then the midpoints of those steps, and so on, until INTERRUPTED_MIN
    signals landed inside a run. The spread follows the runs as they are (a loaded machine makes a
    run longer or shorter than the estimate), so no moment is wasted on guessing."""
    step_s = calibrate(binary, tmp, fixture) / MOMENTS
    landed, index, end_s, offsets = 0, 0, None, []
    while end_s is None and index < MOMENTS_MAX:
        offset_s = index * step_s
        offsets.append(offset_s)
        if interrupt_at(binary, tmp, fixture, index, offset_s):
            landed += 1
        elif offset_s > 0:
            end_s = offset_s  # the run had ended: the rest of the moments lie before this
        index += 1
    end_s = end_s if end_s is not None else offsets[-1]
    while landed < INTERRUPTED_MIN and index < MOMENTS_MAX:
        step_s /= 2
        for offset_s in [o + step_s for o in sorted(offsets) if o + step_s < end_s]:
            offsets.append(offset_s)
            landed += interrupt_at(binary, tmp, fixture, index, offset_s)
            index += 1
            if landed >= INTERRUPTED_MIN or index >= MOMENTS_MAX:
                break
    if landed < INTERRUPTED_MIN:
        fail(f"only {landed} of {index} signals landed inside a run (expected {INTERRUPTED_MIN}): "
             f"the check did not test what it says")
    print(f"check_cluster_cleanup: {landed} of {index} moments landed inside a run; every one cleaned up")


def start_long_run(binary, tmp, out):
    """A stress run long enough to be interrupted; returns once its workers are announced."""
    proc = start(binary, tmp, ["stress", "--workload", "hot_batch", "--seed", "1", "--threads", "2",
                               "--ops", "1000000", "--deadline-ms", "120000", "--out", out])
    line = proc.stdout.readline()
    while line and "seed" not in line:
        line = proc.stdout.readline()
    # The seed line may come before the cluster is up (under load, by seconds): wait for the server.
    deadline = time.time() + RUN_TIMEOUT_S
    while line and proc.poll() is None and not [c for c in clusters(tmp) if postmaster_running(c)] \
            and time.time() < deadline:
        time.sleep(0.1)
    if not line or not [c for c in clusters(tmp) if postmaster_running(c)]:
        proc.kill()
        fail(f"the stress run did not get going: {proc.communicate()[0][-2000:]}")
    return proc


def interrupt_stress(binary, tmp, sig, expected_code, reason):
    """Sends sig to a stress run whose workers run; checks the exit, the verdict and what is left."""
    what = f"stress, {sig.name}"
    out = os.path.join(tmp, f"out-{sig.name}")
    proc = start_long_run(binary, tmp, out)
    proc.send_signal(sig)
    code, text = finish(proc, what)
    if code != expected_code:
        fail(f"{what}: the run ended with {code}, expected {expected_code}\n{text[-3000:]}")
    check_nothing_left(tmp, what, text)
    check_error_verdict(out, reason, what, text)
    print(f"check_cluster_cleanup: {what}: ended with {code}, verdict error ({reason}), nothing left")


def mid_work(binary, tmp):
    for sig in (signal.SIGTERM, signal.SIGINT):
        interrupt_stress(binary, tmp, sig, 128 + sig.value, f"interrupted by {sig.name}")


def crashes(binary, tmp):
    # A crash ends the process by its own signal (Python shows death by signal N as -N).
    for sig in (signal.SIGSEGV, signal.SIGABRT):
        interrupt_stress(binary, tmp, sig, -sig.value, f"the harness crashed ({sig.name})")


def kill_server(cluster):
    """SIGKILL a cluster's postmaster, as the OOM killer would: its postmaster.pid stays behind, naming
    a process that is gone."""
    pid = int(open(os.path.join(cluster, "data", "postmaster.pid")).readline())
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 30
    while postmaster_running(cluster) and time.time() < deadline:
        time.sleep(0.1)
    if not os.path.exists(os.path.join(cluster, "data", "postmaster.pid")):
        fail("a SIGKILLed server removed its postmaster.pid: the check cannot judge")


def dead_server(binary, tmp):
    """A kept cluster (`db start`) whose server was killed outright is removed by `db stop`, which
    must not take the stale postmaster.pid for a server that would not stop."""
    state = os.path.join(tmp, "kept.json")
    r = subprocess.run([binary, "db", "start", "--state", state], env=env_for(tmp), capture_output=True, text=True,
                       timeout=RUN_TIMEOUT_S)
    if r.returncode != 0:
        fail(f"db start failed ({r.returncode}): {r.stdout[-2000:]} {r.stderr[-2000:]}")
    kept = json.load(open(state))["root"]
    kill_server(kept)
    r = subprocess.run([binary, "db", "stop", "--state", state], env=env_for(tmp), capture_output=True, text=True,
                       timeout=RUN_TIMEOUT_S)
    if r.returncode != 0 or os.path.exists(kept):
        fail(f"db stop of a cluster whose server was SIGKILLed: exit {r.returncode}, cluster "
             f"{'still there' if os.path.exists(kept) else 'gone'}: {r.stdout[-2000:]} {r.stderr[-2000:]}")
    check_nothing_left(tmp, "db stop after the server was SIGKILLed", r.stdout + r.stderr)
    print("check_cluster_cleanup: db stop removed a kept cluster whose server had been SIGKILLed")


def leftovers(binary, tmp, fixture):
    proc = start_long_run(binary, tmp, os.path.join(tmp, "out-kill"))
    killed = [c for c in clusters(tmp) if postmaster_running(c)]
    proc.kill()
    proc.wait()
    if len(killed) != 1 or not postmaster_running(killed[0]):
        fail("after SIGKILL the cluster should be left behind (running): the check cannot judge")
    # A run SIGKILLed together with its server: the cluster's pid file names a dead process.
    proc = start_long_run(binary, tmp, os.path.join(tmp, "out-kill-both"))
    both = [c for c in clusters(tmp) if postmaster_running(c) and c not in killed]
    proc.kill()
    proc.wait()
    if len(both) != 1:
        fail("after SIGKILL the second cluster should be left behind (running): the check cannot judge")
    kill_server(both[0])
    # A removal cut short: a registered cluster whose directory is half gone, owned by a dead process.
    registry = glob.glob(os.path.join(tmp, "verdict-clusters-*"))[0]
    half = os.path.join(tmp, "verdict-pg-halfgo")
    os.makedirs(os.path.join(half, "data", "base"))
    open(os.path.join(half, "data", "base", "leftover"), "w").close()
    with open(os.path.join(registry, "verdict-pg-halfgo.json"), "w") as f:
        # pid_max is at most 2^22: no process has this pid.
        json.dump({"root": half, "owner_pid": 2 ** 22 + 1, "kept": False}, f)
    r = subprocess.run([binary, "fixtures", fixture, "--out", os.path.join(tmp, "out-next")],
                       env=env_for(tmp), capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"the next run failed ({r.returncode}): {r.stdout[-2000:]} {r.stderr[-2000:]}")
    check_nothing_left(tmp, "the run after SIGKILL and a half removal", r.stdout + r.stderr)
    print("check_cluster_cleanup: the next run removed the SIGKILLed runs' clusters (one with its server killed too) "
          "and the half-removed one")


def main():
    binary, fixture = sys.argv[1], sys.argv[2]
    global TMP
    tmp = TMP = tempfile.mkdtemp(prefix="verdict-cleanup-")
    os.chmod(tmp, 0o755)  # the postgres user must reach its cluster below
    moments(binary, tmp, fixture)
    mid_work(binary, tmp)
    crashes(binary, tmp)
    dead_server(binary, tmp)
    leftovers(binary, tmp, fixture)
    subprocess.run(["rm", "-rf", tmp])
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
