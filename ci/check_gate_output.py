#!/usr/bin/env python3
"""Runs `verdict gate --profile smoke` and validates what it writes: verdict.json parses and has the
schema's fields, junit.xml is well-formed with counts that agree, summary.md exists, and the last line
printed is `N passed, N failed`. Also checks that every subcommand answers --help.
Usage: check_gate_output.py VERDICT_BINARY OUT_DIR"""
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

def fail(msg):
    print(f"check_gate_output: FAIL: {msg}")
    sys.exit(1)

def main():
    binary, out = sys.argv[1], sys.argv[2]
    for sub in ["", "gate", "fixtures", "properties", "stress", "invariants", "docs", "migrate", "db", "db start", "db stop"]:
        r = subprocess.run([binary, *sub.split(), "--help"], capture_output=True, text=True)
        if r.returncode != 0 or "Usage" not in r.stdout:
            fail(f"`verdict {sub} --help` exited {r.returncode}: {r.stdout[:200]} {r.stderr[:200]}")

    # A fresh directory: what an earlier run left there (a run killed mid-line) must not be judged.
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([binary, "gate", "--profile", "smoke", "--out", out], capture_output=True, text=True)
    print(r.stdout, end="")
    print(r.stderr, end="", file=sys.stderr)
    if r.returncode != 0:
        fail(f"the smoke gate exited {r.returncode}, expected 0 (pass)")
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    if not lines or not re.fullmatch(r"\d+ passed, \d+ failed(, \d+ errors?)?(, \d+ skipped)?", lines[-1]):
        fail(f"the last line is not 'N passed, N failed': {lines[-1] if lines else '(nothing)'}")
    passed, failed = map(int, re.findall(r"\d+", lines[-1])[:2])

    with open(os.path.join(out, "verdict.json")) as f:
        v = json.load(f)
    for key in ["schema_version", "run_id", "command", "profile", "git_sha", "started_at", "duration_ms",
                "status", "counts", "seeds", "findings", "suites"]:
        if key not in v:
            fail(f"verdict.json lacks '{key}'")
    if v["schema_version"] != 3 or v["status"] != "pass" or v["profile"] != "smoke":
        fail(f"verdict.json: schema_version {v['schema_version']}, status {v['status']}, profile {v['profile']}")
    kinds = sorted(s["kind"] for s in v["suites"])
    # Every registered suite runs by default: at least one of each kind.
    if sorted(set(kinds)) != ["fixture", "property", "stress"]:
        fail(f"the smoke profile should run suites of each kind, ran {kinds}")
    for s in v["suites"]:
        for key in ["name", "kind", "status", "counts", "cases", "duration_ms", "stats"]:
            if key not in s:
                fail(f"suite {s.get('name')} lacks '{key}'")
        for key in ["steps", "steps_per_s", "retries", "p50_ms", "p99_ms"]:
            if key not in s["stats"]:
                fail(f"suite {s['name']} stats lack '{key}'")
        if not s["cases"]:
            fail(f"suite {s['name']} ran no case")
    if v["counts"]["passed"] != passed or v["counts"]["failed"] != failed or v["counts"].get("errors") != 0:
        fail(f"verdict.json counts {v['counts']} disagree with the printed line '{lines[-1]}'")

    root = ET.parse(os.path.join(out, "junit.xml")).getroot()
    if root.tag != "testsuites":
        fail("junit.xml root is not <testsuites>")
    cases = root.findall("./testsuite/testcase")
    if len(cases) != passed + failed or int(root.get("tests")) != len(cases):
        fail(f"junit.xml has {len(cases)} testcases (tests={root.get('tests')}), expected {passed + failed}")

    if not os.path.isfile(os.path.join(out, "findings.jsonl")):
        fail("the run wrote no findings.jsonl")

    # One structured log line per mutation, with the fields the issue names.
    with open(os.path.join(out, "mutations.jsonl")) as f:
        log_lines = [json.loads(l) for l in f if l.strip()]
    if not log_lines:
        fail("mutations.jsonl is empty: no mutation was logged")
    for line in log_lines:
        for key in ["mutation_id", "correlation_id", "tenant", "actor", "operation", "entities", "outcome",
                    "attempts", "duration_us"]:
            if key not in line:
                fail(f"a mutation log line lacks '{key}': {line}")
    outcomes = {l["outcome"] for l in log_lines}
    if not {"ok", "error"} <= outcomes:
        fail(f"the smoke run should log both ok and error mutations, logged {outcomes}")

    with open(os.path.join(out, "summary.md")) as f:
        summary = f.read()
    if not summary.startswith("# Verdict") or not summary.rstrip().endswith(lines[-1]):
        fail("summary.md does not open with the verdict or end with the counts line")
    # Determinism: the same seeds give byte-identical fixture and property sections once timings
    # (durations, rates, latencies), timestamps and run ids are removed.
    again = out.rstrip("/") + ".again"
    r2 = subprocess.run([binary, "gate", "--profile", "smoke", "--out", again], capture_output=True, text=True)
    if r2.returncode != 0:
        fail(f"the second smoke gate exited {r2.returncode}")
    with open(os.path.join(again, "verdict.json")) as f:
        v2 = json.load(f)
    def judged(report):
        sections = [s for s in report["suites"] if s["kind"] in ("fixture", "property")]
        return json.dumps(strip_timings(sections), sort_keys=True)
    if judged(v) != judged(v2):
        fail("two runs with the same seeds gave different fixture/property sections of verdict.json")
    print(f"check_gate_output: ok ({passed} passed, {failed} failed; files valid; fixture and property sections identical across two runs)")

TIMINGS = ("duration_ms", "started_at", "run_id", "steps_per_s", "p50_ms", "p99_ms")

def strip_timings(value):
    if isinstance(value, dict):
        return {k: strip_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [strip_timings(v) for v in value]
    return value

if __name__ == "__main__":
    main()
