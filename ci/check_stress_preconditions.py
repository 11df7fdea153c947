#!/usr/bin/env python3
"""The stress toolkit end to end: a run saves the history of every operation as JSON Lines; the
same seed gives every worker the same sequence of commands (and a seed the run drew is printed with a
replay line that does it again; another seed gives others); what differs is the interleaving; too little contention, an unreached outcome or a
missed deadline is an error of the run (exit 2, naming what to raise), never a failure (exit 1).
Usage: check_stress_preconditions.py VERDICT OUT_DIR"""
import json, os, re, subprocess, sys

def fail(message):
    print(f"check_stress_preconditions: FAIL: {message}")
    sys.exit(1)

def run(binary, out, *args):
    r = subprocess.run([binary, "stress", "--workload", "hot_batch", "--out", out, *args],
                       capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr

def history(out):
    path = os.path.join(out, "history-hot_batch.jsonl")
    if not os.path.exists(path):
        fail(f"no history at {path}")
    return [json.loads(line) for line in open(path)]

def sequences(h):
    """Each worker's commands in its own order: {worker: [(index, command, args), ...]}. Whole: the
    indexes of a worker run 0, 1, 2, ... without a gap."""
    out = {}
    for o in h:
        out.setdefault(o["worker"], []).append((o["index"], o["command"], json.dumps(o["args"], sort_keys=True)))
    for worker, ops in out.items():
        ops.sort()
        if [i for i, _, _ in ops] != list(range(len(ops))):
            fail(f"worker {worker}'s history has gaps: {[i for i, _, _ in ops]}")
    return out

def main():
    binary, out = sys.argv[1], sys.argv[2]
    code, text = run(binary, out + "/a", "--seed", "5", "--threads", "4", "--ops", "30")
    if code != 0:
        fail(f"a normal run gave exit {code}: {text[-2000:]}")
    first = history(out + "/a")
    if len(first) != 4 * 30:
        fail(f"the history has {len(first)} operations, expected 120")
    for key in ["worker", "index", "command", "args", "invoked_us", "completed_us", "outcome", "touched"]:
        if key not in first[0]:
            fail(f"a history line lacks '{key}': {first[0]}")
    code, text = run(binary, out + "/b", "--seed", "5", "--threads", "4", "--ops", "30")
    second = history(out + "/b")
    if sequences(first) != sequences(second):
        fail("the same seed gave the workers different commands")
    # What may differ is the interleaving: said, not judged (it is the scheduler's).
    order = lambda h: [(o["worker"], o["index"]) for o in sorted(h, key=lambda o: o["invoked_us"])]
    moved = sum(a != b for a, b in zip(order(first), order(second)))
    print(f"check_stress_preconditions: same seed: the same sequence per worker; {moved} of {len(first)} "
          "places in the order across workers differ (the interleaving)")

    # A seed the run draws itself is printed, and that line replays it.
    code, text = run(binary, out + "/drawn", "--threads", "4", "--ops", "30")
    drawn = re.search(r"stress:hot_batch seed (\d+) — replay: \S+ stress (.*)", text)
    if code != 0 or not drawn:
        fail(f"a run without --seed gave exit {code} and no seed line: {text[-2000:]}")
    replay_args = drawn.group(2).split() + ["--out", out + "/replayed"]
    r = subprocess.run([binary, "stress", *replay_args], capture_output=True, text=True)
    if r.returncode != 0 or sequences(history(out + "/drawn")) != sequences(history(out + "/replayed")):
        fail(f"the printed replay line (seed {drawn.group(1)}) did not give the workers the same commands")
    # And another seed gives other commands, so the comparisons above can tell a replay from a
    # workload that ignores its seed.
    code, text = run(binary, out + "/other", "--seed", "6", "--threads", "4", "--ops", "30")
    if sequences(history(out + "/other")) == sequences(first):
        fail("seeds 5 and 6 gave the same commands: the seed does not choose them")

    # Two single operations usually overlap (then one fulfil cannot be both accepted and refused),
    # but scheduling may run them one after the other: either way it is a precondition error.
    # Zero operations is refused before anything runs (README "Exit codes", row range).
    for args, expected in [(["--threads", "4", "--ops", "0"], ["--ops: takes a whole number from 1"]),
                           (["--threads", "1", "--ops", "5"], ["needs at least 2 threads", "too little contention"]),
                           (["--threads", "2", "--ops", "1"], ["never reached both outcomes", "too little contention"]),
                           (["--threads", "8", "--ops", "100000", "--deadline-ms", "300"], ["did not finish within"])]:
        code, text = run(binary, out + "/c", "--seed", "1", *args)
        if code != 2 or not any(e in text for e in expected):
            fail(f"{' '.join(args)} gave exit {code}, expected 2 with one of {expected}: {text[-1500:]}")
    print("check_stress_preconditions: ok: history saved, a seed replays each worker's commands, preconditions are errors (2)")
    print("1 passed, 0 failed")

if __name__ == "__main__":
    main()
