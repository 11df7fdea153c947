#!/usr/bin/env python3
"""Secrets (issue 6): a password in DATABASE_URL or --database is never printed or written. Plants a
password (letters no output has otherwise, plus characters every writer escapes) in the CTest
cluster's connection string (trust authentication ignores it), runs the commands that print and
write the most (a passing fixture kept with --keep-db, a failing fixture, a stress run with its
history, a property run, invariants --check, a URL libpq refuses, a server nobody answers), and
greps every byte they printed and every file they wrote (verdict.json, junit.xml, summary.md,
findings.jsonl, mutations.jsonl, history-*.jsonl, $GITHUB_STEP_SUMMARY).
Usage: check_secrets.py VERDICT_BINARY FIXTURE_FILE (needs VERDICT_SERVER_STATE)"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

from check_report import report

failures = []


def psql(conninfo, sql):
    return subprocess.run(["psql", conninfo, "-Atc", sql], capture_output=True, text=True).stdout


def kept_database(admin, label):
    """The database the --keep-db run kept (migrated, with the scenario's rows)."""
    names = [n for n in psql(admin, "SELECT datname FROM pg_database").split()
             if n.startswith("verdict_kept_") and n.endswith(label)]
    return names[0] if names else None


def main():
    binary, fixture = sys.argv[1], sys.argv[2]
    with open(os.environ["VERDICT_SERVER_STATE"]) as f:
        admin = json.load(f)["conninfo"]
    socket_dir = re.search(r"host='([^']*)'", admin).group(1)
    marker = f"VerdictSecret{os.getpid()}"  # unchanged by every escaping: found in any form
    password = marker + '<&>"|`*_;'
    conninfo = f"{admin} password='{password}'"
    url = (f"postgresql://postgres:{urllib.parse.quote(password, safe='')}@/postgres?"
           f"host={urllib.parse.quote(socket_dir, safe='')}")
    work = tempfile.mkdtemp(prefix="verdict-secrets-")
    label = f"sec_{os.getpid()}"
    scenario = os.path.join(work, f"{label}.json")
    with open(fixture) as src, open(scenario, "w") as dst:
        dst.write(src.read())
    failing = os.path.join(work, f"{label}_fail.json")
    with open(failing, "w") as f:
        json.dump({"name": "check: a step that fails", "description": "written by check_secrets.py",
                   "group": "check", "steps": [
                       {"do": "access.create_tenant"},
                       {"do": "inventory.add_location", "with": {"location": "WH1"},
                        "expect": {"error": "NOT_FOUND"}}]}, f)
    env = {k: v for k, v in os.environ.items() if k != "VERDICT_SERVER_STATE"}
    env["GITHUB_STEP_SUMMARY"] = os.path.join(work, "step-summary.md")
    out = lambda name: ["--out", os.path.join(work, name)]
    runs = [  # (DATABASE_URL, arguments, expected exit)
        (conninfo, ["fixtures", scenario, "--keep-db", "--stop-after", "2", *out("kept")], 0),
        (url, ["fixtures", failing, *out("failing")], 1),
        (url, ["stress", "--workload", "hot_batch", "--seed", "1", "--threads", "4", "--ops", "30", *out("stress")], 0),
        (conninfo, ["properties", "--suite", "inventory", "--seed", "1", "--cases", "2", *out("properties")], 0),
        ("", lambda: ["invariants", "--check", "--database",
                      re.sub(r"dbname=('[^']*'|\S+)", f"dbname={kept_database(admin, label) or 'postgres'}", admin)
                      + f" password='{password}'"], 0),
        (url.replace("@", "%zz@", 1), ["fixtures", scenario, *out("bad-url")], 2),
        (f"host=/nonexistent-{os.getpid()} user=postgres password='{password}'", ["fixtures", scenario,
                                                                                  *out("no-server")], 2),
    ]
    printed = []
    for database_url, args, expected in runs:
        args = args() if callable(args) else args
        run_env = dict(env)
        if database_url:
            run_env["DATABASE_URL"] = database_url
        r = subprocess.run([binary, *args], capture_output=True, text=True, env=run_env, timeout=240)
        printed.append((args[0], r.stdout + r.stderr))
        if r.returncode != expected:
            failures.append(f"`verdict {' '.join(args[:2])}` exited {r.returncode}, expected {expected}:\n"
                            f"{(r.stdout + r.stderr)[-1500:]}")
    for command, text in printed:
        if marker in text:
            at = text.index(marker)
            failures.append(f"`verdict {command}` printed the password: …{text[max(0, at - 200):at + 60]}…")
    written = 0
    for folder, _, files in os.walk(work):
        for name in files:
            path = os.path.join(folder, name)
            if path in (scenario, failing):
                continue
            written += 1
            data = open(path, "rb").read()
            if marker.encode() in data:
                failures.append(f"{os.path.relpath(path, work)} holds the password")
    for needed in ["verdict.json", "junit.xml", "summary.md", "findings.jsonl", "mutations.jsonl",
                   "history-hot_batch.jsonl", "step-summary.md"]:
        if not any(needed in files for _, _, files in os.walk(work)):
            failures.append(f"no run wrote {needed}: the check did not look where it says")
    kept = kept_database(admin, label)
    if kept:
        psql(admin, f'DROP DATABASE "{kept}" WITH (FORCE)')
    subprocess.run(["rm", "-rf", work])
    report("check_secrets", failures, f"{len(runs)} runs printed and {written} files held no password")


if __name__ == "__main__":
    main()
