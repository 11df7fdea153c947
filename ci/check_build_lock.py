#!/usr/bin/env python3
"""Two ./verdict started together when a build is due wait for one build (issue 6: both failed with
"ranlib: file truncated"). Runs copies of ./verdict, ci/build and ci/setup in a scratch root with a
fake `cmake` first on PATH: its build announces itself, then blocks on a FIFO until this check lets
it finish, so the second ./verdict is seen waiting while the first builds (no sleeps: every step
waits for a line it expects). Also: the progress lines and the first-build estimate, a build with
nothing to do stays quiet, and a failed build exits 2 with its log.
Usage: check_build_lock.py REPOSITORY_ROOT"""
import os
import queue
import shutil
import stat
import subprocess
import sys
import tempfile
import threading

TIMEOUT_S = 60  # a guard against hanging, never a way to wait for something

FAKE_CMAKE = r"""#!/usr/bin/env bash
# A fake cmake: configure writes the cache; a build records its start and end around a wait on the
# FIFO "go" (unless the binary exists: then it has nothing to do) and writes a fake verdict binary.
root="$FAKE_ROOT"
if [ "$1" = "--preset" ]; then mkdir -p "$root/out/build/pr" && touch "$root/out/build/pr/CMakeCache.txt"; exit 0; fi
echo "start $PPID" >> "$root/events"
if [ -n "${FAKE_FAIL:-}" ]; then echo "error: the fake compiler fails"; exit 1; fi
if [ -x "$root/out/build/pr/verdict" ]; then echo "[100%] Built target verdict"; echo "end $PPID" >> "$root/events"; exit 0; fi
echo "[  5%] Building CXX object harness/a.o"
read -r _ < "$root/go"
echo "[ 50%] Building CXX object harness/b.o"
echo "[ 52%] Building CXX object harness/c.o"
echo "[100%] Linking CXX executable verdict"
printf '#!/bin/sh\necho "fake verdict $*"\n' > "$root/out/build/pr/verdict"
chmod +x "$root/out/build/pr/verdict"
echo "end $PPID" >> "$root/events"
"""

failures = []


def fail(message):
    failures.append(message)


def scratch_root(repo):
    root = tempfile.mkdtemp(prefix="verdict-build-lock-")
    os.makedirs(os.path.join(root, "ci"))
    os.makedirs(os.path.join(root, "bin"))
    for path in ("verdict", "ci/build", "ci/setup"):
        shutil.copy2(os.path.join(repo, path), os.path.join(root, path))
    cmake = os.path.join(root, "bin", "cmake")
    with open(cmake, "w") as f:
        f.write(FAKE_CMAKE)
    os.chmod(cmake, os.stat(cmake).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.mkfifo(os.path.join(root, "go"))
    return root


class Run:
    """./verdict ARGS in the scratch root; its stderr lines arrive on a queue as they are printed."""

    def __init__(self, root, *args, extra_env=None):
        env = dict(os.environ, PATH=os.path.join(root, "bin") + os.pathsep + os.environ["PATH"], FAKE_ROOT=root)
        env.update(extra_env or {})
        self.proc = subprocess.Popen([os.path.join(root, "verdict"), *args], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, needle, refuse=None):
        """Waits for a stderr line holding `needle`; None when the run ended, or printed `refuse`, first."""
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT_S)
            except queue.Empty:
                return None
            if line is None:
                return None
            self.seen.append(line)
            if refuse and refuse in line:
                return None
            if needle in line:
                return line

    def finish(self):
        stdout = self.proc.stdout.read()  # stderr is the pump's
        self.proc.wait(timeout=TIMEOUT_S)
        while True:
            line = self.lines.get(timeout=TIMEOUT_S)
            if line is None:
                break
            self.seen.append(line)
        return self.proc.returncode, stdout


def check_two_runs_share_one_build(repo):
    root = scratch_root(repo)
    first = Run(root, "hello", "first")
    if not first.until("building out/build/pr: 5 %"):
        fail(f"the first ./verdict printed no progress line: {first.seen}")
    second = Run(root, "hello", "second")
    if not second.until("waiting for it to finish", refuse="building"):
        fail(f"the second ./verdict did not wait for the first one's build: {second.seen}")
    with open(os.path.join(root, "go"), "w") as go:  # lets the first build finish
        go.write("go\n")
    code1, out1 = first.finish()
    code2, out2 = second.finish()
    if (code1, out1.strip(), code2, out2.strip()) != (0, "fake verdict hello first", 0, "fake verdict hello second"):
        fail(f"the runs gave {code1} {out1!r} and {code2} {out2!r}")
    events = open(os.path.join(root, "events")).read().split("\n")[:-1]
    kinds = [e.split()[0] for e in events]
    if kinds != ["start", "end", "start", "end"] or events[0].split()[1] != events[1].split()[1]:
        fail(f"the builds overlapped: {events}")
    progress = [l for l in first.seen if "building out/build/pr:" in l]
    if [l.split(": ")[-1].split(" %")[0] for l in progress] != ["5", "50", "100"]:
        fail(f"progress should be announced at 5, 50 and 100 % (every 10 % at most): {progress}")
    if not any("first build of out/build/pr: 4 to 5 minutes on 2 cores" in l for l in first.seen):
        fail(f"the first build gave no estimate: {first.seen}")
    if any("building" in l for l in second.seen):
        fail(f"the second run, with nothing to build, printed progress: {second.seen}")
    # The next first build (the binary gone) names what the last one took here.
    os.remove(os.path.join(root, "out", "build", "pr", "verdict"))
    third = Run(root, "again")
    if not third.until("the last full build here took"):
        fail(f"a later first build did not name the last one's time: {third.seen}")
    with open(os.path.join(root, "go"), "w") as go:
        go.write("go\n")
    third.finish()
    shutil.rmtree(root)


def check_a_failed_build_is_an_error(repo):
    root = scratch_root(repo)
    run = Run(root, "hello", extra_env={"FAKE_FAIL": "1"})
    code, out = run.finish()
    if code != 2 or out or not any("the fake compiler fails" in l for l in run.seen) \
            or not any("the build failed" in l for l in run.seen):
        fail(f"a failed build gave exit {code}, stdout {out!r}, stderr {run.seen}")
    shutil.rmtree(root)


def main():
    repo = sys.argv[1]
    check_two_runs_share_one_build(repo)
    check_a_failed_build_is_an_error(repo)
    if failures:
        print("check_build_lock: FAIL:\n" + "\n".join(failures))
        sys.exit(1)
    print("check_build_lock: ok: the second ./verdict waited for the first one's build; progress, estimate, "
          "failed build → 2")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
