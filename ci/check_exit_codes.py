#!/usr/bin/env python3
"""The exit-code contract of README.md ("Exit codes"), one check per row: 0 pass, 1 the system (or
the thing checked) broke a rule, 2 the harness could not judge. Each row of the README's table
names the label of its check here (`row:`). Runs the real binary; the runs that need a database use
the CTest cluster (VERDICT_SERVER_STATE).
Usage: check_exit_codes.py VERDICT_BINARY"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from check_report import report

HEADER = {"name": "check: {}", "description": "written by check_exit_codes.py", "group": "check"}
TENANT = [{"do": "access.create_tenant"}]
LOCATION = {"do": "inventory.add_location", "with": {"location": "WH1"}}
SEED_MAX = "18446744073709551615"

failures = []
rows_seen = set()


def run(binary, args, env=None):
    r = subprocess.run([binary, *args], capture_output=True, text=True, env=env, timeout=120)
    return r.returncode, r.stdout + r.stderr


def expect(row, label, binary, args, code, *needles, env=None):
    """Runs `verdict ARGS` and checks its exit code and that its output holds every needle."""
    rows_seen.add(row)
    got, output = run(binary, args, env)
    missing = [n for n in needles if n not in output]
    if got != code or missing:
        failures.append(f"[{row}] {label}: `verdict {' '.join(args)}` exited {got} (expected {code})"
                        + (f", output lacks {missing}" if missing else "") + f":\n{output[-1500:]}")
    return output


def scenario(work, name, steps=None, raw=None):
    path = os.path.join(work, f"{name}.json")
    with open(path, "w") as f:
        f.write(raw if raw is not None else json.dumps(dict(HEADER, name=HEADER["name"].format(name), steps=steps)))
    return path


def profile(work, name, raw):
    os.makedirs(os.path.join(work, "profiles"), exist_ok=True)
    with open(os.path.join(work, "profiles", name + ".json"), "w") as f:
        f.write(raw if isinstance(raw, str) else json.dumps(raw))
    return ["gate", "--profile-dir", os.path.join(work, "profiles"), "--profile", name]


def command_line_rows(binary, work):
    # Every run gets its own output directory: a regression that runs instead of refusing must not
    # write into the source tree's out/.
    out = ["--out", os.path.join(work, "out-command-line")]
    expect("parse", "no subcommand", binary, [], 2, "A subcommand is required", "Usage: verdict")
    expect("parse", "unknown subcommand", binary, ["nosuch"], 2, "unknown subcommand 'nosuch'", "Usage: verdict")
    expect("parse", "unknown flag", binary, ["fixtures", "--nosuch"], 2, "--nosuch", "Usage: verdict fixtures")
    expect("parse", "flag without its value", binary, ["properties", "--seed"], 2, "--seed",
           "Usage: verdict properties")
    expect("parse", "not a number", binary, ["properties", "--seed", "abc"], 2, "--seed", "'abc'",
           "Usage: verdict properties")
    for sub in ("gate", "properties", "stress"):
        expect("range", f"{sub} --seed -1", binary, [sub, "--seed", "-1", *out], 2, "--seed", "'-1'", f"Usage: verdict {sub}")
    expect("range", "a seed above 2^64-1", binary, ["stress", "--seed", "18446744073709551616", *out], 2, "--seed")
    expect("range", "a seed with a leading zero (it would be printed otherwise)", binary,
           ["properties", "--seed", "010", *out], 2, "--seed", "'010'")
    for sub, flag, value in [("properties", "--cases", "0"), ("properties", "--cases", "-5"),
                             ("properties", "--max-size", "0"), ("stress", "--ops", "0"),
                             ("stress", "--threads", "0"), ("stress", "--threads", "100000"),
                             ("stress", "--deadline-ms", "0"), ("fixtures", "--full-every", "-1"),
                             ("fixtures", "--full-every", "0"), ("fixtures", "--stop-after", "-3"),
                             ("fixtures", "--stop-after", "0")]:
        expect("range", f"{sub} {flag} {value}", binary, [sub, flag, value, *out], 2, f"{flag}: takes a whole number",
               f"'{value}'", f"Usage: verdict {sub}")
    expect("help", "--help", binary, ["properties", "--help"], 0, "Usage: verdict properties")


def scenario_rows(binary, work):
    out = lambda label: ["--out", os.path.join(work, "out-" + label)]
    passing = scenario(work, "passes", TENANT + [LOCATION])
    expect("pass", "a scenario that holds", binary, ["fixtures", passing, *out("pass")], 0, "1 passed, 0 failed")
    failing = scenario(work, "fails", TENANT + [dict(LOCATION, expect={"error": "NOT_FOUND"})])
    expect("fail", "an expectation the system does not meet", binary, ["fixtures", failing, *out("fail")], 1,
           "0 passed, 1 failed")
    authoring = [
        # An authoring error must never pass as the system's own VALIDATION_FAILED.
        ("unknown command expecting VALIDATION_FAILED",
         scenario(work, "unknown_command", TENANT + [{"do": "inventory.nosuch",
                                                      "expect": {"error": "VALIDATION_FAILED"}}]),
         "step 2: no command named 'inventory.nosuch'"),
        ("'with' an array expecting VALIDATION_FAILED",
         scenario(work, "with_array", TENANT + [{"do": "inventory.add_location", "with": ["a"],
                                                 "expect": {"error": "VALIDATION_FAILED"}}]),
         "step 2: 'with' must be an object"),
        ("a duplicate header key",
         scenario(work, "duplicate_header", raw='{"name": "a", "name": "b", "description": "d", "group": "g", '
                                                '"steps": [{"do": "access.create_tenant"}]}'),
         "duplicate key 'name'"),
        ("a duplicate key in a step",
         scenario(work, "duplicate_step", raw='{"name": "a", "description": "d", "group": "g", "steps": '
                                              '[{"do": "access.create_tenant"}, {"do": "inventory.add_location", '
                                              '"with": {"location": "A", "location": "B"}}]}'),
         "step 2 (/steps/1/with): duplicate key 'location'"),
        ("a header value of the wrong type", scenario(work, "name_number", raw=json.dumps(
            dict(HEADER, name=42, steps=TENANT))), "header: 'name' must be a string, not number 42"),
        ("a step value of the wrong type", scenario(work, "as_number", TENANT + [dict(LOCATION, **{"as": 5})]),
         "step 2: 'as' must be a string"),
        ("an expectation of the wrong type",
         scenario(work, "unknown_string", TENANT + [dict(LOCATION, expect={"unknown": "yes"})]),
         "step 2: 'unknown' must be true or false, not string \"yes\""),
        ("a clock going back", scenario(work, "clock_back", TENANT + [{"clock": {"advance_s": -1}}]),
         "step 2: 'advance_s' takes whole seconds"),
        ("an undeclared failpoint", scenario(work, "failpoint", TENANT + [dict(LOCATION, failpoint="nope")]),
         "step 2: undeclared failpoint: nope"),
        ("invalid JSON", scenario(work, "invalid", raw="{ not json"), "not valid JSON"),
    ]
    for label, path, needle in authoring:
        expect("scenario", label, binary, ["fixtures", path, *out(os.path.basename(path))], 2, needle)

    # Bounded input (input.hpp, fixtures.hpp): each limit refuses the file naming the place, and the
    # run still writes its verdict. The first is issue 6's crash: 20,000 nested arrays in 40 KB.
    deep = scenario(work, "deep", raw='{"name": "deep", "description": "d", "group": "g", "steps": '
                                      '[{"do": "access.create_tenant", "note": ' + "[" * 20000 + "]" * 20000 + '}]}')
    long_value = scenario(work, "long_value", TENANT + [dict(LOCATION, note="x" * (64 * 1024 + 1))])
    many_steps = scenario(work, "many_steps", TENANT + [{"snapshot": "s"}] * 1000)
    huge = scenario(work, "huge", raw=json.dumps(dict(HEADER, steps=TENANT, padding=[" " * 60000] * 80)))
    for label, path, needle in [
            ("20,000 nested arrays", deep, "step 1 (/steps/0/note/0/0/0"),
            ("a string over 64 KiB", long_value, "step 2 (/steps/1/note): a string of 65537 bytes, over the limit"),
            ("over 1000 steps", many_steps, "'steps' has 1001 steps, over the limit of 1000"),
            ("a file over 4 MiB", huge, "the file is over the limit of 4194304 bytes")]:
        target = os.path.join(work, "out-" + os.path.basename(path))
        expect("limits", label, binary, ["fixtures", path, "--out", target], 2, needle)
        try:
            with open(os.path.join(target, "verdict.json")) as f:
                status = json.load(f)["status"]
        except (OSError, ValueError) as e:
            status = f"unreadable ({e})"
        if status != "error":
            failures.append(f"[limits] {label}: verdict.json status {status}, expected error")


def profile_rows(binary, work):
    out = lambda label: ["--out", os.path.join(work, "out-profile-" + label)]
    expect("profile", "no such profile", binary, ["gate", "--profile", "nosuch"], 2, "no profile")
    bad = [
        ("invalid JSON", "{", "not valid JSON"),
        ("a duplicate key", '{"stages": [{"kind": "properties", "cases": 1, "cases": 2}]}',
         "/stages/0: duplicate key 'cases'"),
        ("an unknown stage kind", {"stages": [{"kind": "nosuch"}]}, "stage 1: unknown stage kind 'nosuch'"),
        ("an unknown stage key", {"stages": [{"kind": "stress", "opps_per_thread": 5}]},
         "stage 1: unknown key 'opps_per_thread'"),
        ("zero cases", {"stages": [{"kind": "fixtures", "paths": ["fixtures"]}, {"kind": "properties", "cases": 0}]},
         "stage 2: 'cases' takes a whole number from 1"),
        ("a negative seed", {"stages": [{"kind": "stress", "seed": -1}]}, "stage 1: 'seed' takes a whole number"),
        ("no stages", {"stages": []}, "'stages' must be a non-empty array"),
    ]
    for i, (label, raw, needle) in enumerate(bad):
        expect("profile", label, binary, profile(work, f"bad{i}", raw) + out(str(i)), 2, needle)


def run_rows(binary, work):
    out = lambda label: ["--out", os.path.join(work, "out-run-" + label)]
    output = expect("range", "the largest seed is kept exactly", binary,
                    ["properties", "--seed", SEED_MAX, "--cases", "1", *out("seed-max")], 0,
                    f"--seed {SEED_MAX} --cases 1")
    with open(os.path.join(work, "out-run-seed-max", "verdict.json")) as f:
        seeds = json.load(f)["seeds"]
    # Every registered suite runs, each with the seed given.
    if not seeds or set(seeds.values()) != {SEED_MAX}:
        failures.append(f"[range] verdict.json names seeds {seeds}, expected {SEED_MAX} for every suite")
    expect("nothing-ran", "no suite of that name", binary, ["properties", "--suite", "nosuch", *out("suite")], 2,
           "no property suite named 'nosuch'")
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    expect("nothing-ran", "a fixtures directory without scenarios", binary, ["fixtures", empty, *out("empty")], 2,
           "the suite ran no test")
    expect("unwritable", "an output directory that cannot be made", binary,
           ["fixtures", empty, "--out", "/dev/null/verdict"], 2, "/dev/null/verdict")
    env = {k: v for k, v in os.environ.items() if k != "VERDICT_SERVER_STATE"}
    env["DATABASE_URL"] = "postgresql://verdict@127.0.0.1:1/verdict?connect_timeout=5"
    expect("no-database", "DATABASE_URL that nothing answers", binary,
           ["fixtures", scenario(work, "unreached", TENANT), *out("no-db")], 2, "127.0.0.1", env=env)
    expect("checked-thing", "a stale generated doc", binary, ["docs", "--check", "--dir", empty], 1, "is stale")
    expect("checked-thing", "a command no fixture calls", binary,
           ["commands", "--check-coverage", "--fixtures", empty], 1, "UNCOVERED")


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="verdict-exit-codes-")
    try:
        command_line_rows(binary, work)
        scenario_rows(binary, work)
        profile_rows(binary, work)
        run_rows(binary, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report("check_exit_codes", failures, f"rows {', '.join(sorted(rows_seen))}")


if __name__ == "__main__":
    main()
