#!/usr/bin/env python3
"""Exit codes and findings of the fixture runner end to end: a scenario the system fails is `fail`
(exit 1) with its step, expectation and replay line; a file the harness cannot interpret (bad JSON,
a misspelt key) is `error` (exit 2), never a pass; an error outranks a failure in one run.
Usage: check_fixture_verdicts.py VERDICT_BINARY"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HEADER = {"name": "check: {}", "description": "written by check_fixture_verdicts.py", "group": "check"}
SETUP = [
    {"do": "access.create_tenant"},
    {"do": "inventory.add_product", "with": {"sku": "S1", "name": "Widget"}},
    {"do": "inventory.add_location", "with": {"location": "WH1"}},
    {"do": "inventory.receive", "with": {"sku": "S1", "batch": "B1", "location": "WH1", "qty": "2", "unit_cost": "1"}},
]

def fail(msg):
    print(f"check_fixture_verdicts: FAIL: {msg}")
    sys.exit(1)

def scenario(work, name, steps=None, raw=None):
    path = os.path.join(work, f"{name}.json")
    with open(path, "w") as f:
        if raw is not None:
            f.write(raw)
        else:
            doc = dict(HEADER, name=HEADER["name"].format(name), steps=SETUP + steps)
            json.dump(doc, f)
    return path

def run(binary, work, label, *paths):
    out = os.path.join(work, "out-" + label)
    r = subprocess.run([binary, "fixtures", *paths, "--out", out], capture_output=True, text=True)
    last = [l for l in r.stdout.splitlines() if l.strip()][-1:]
    with open(os.path.join(out, "verdict.json")) as f:
        verdict = json.load(f)
    with open(os.path.join(out, "summary.md")) as f:
        summary = f.read()
    return r.returncode, (last[0] if last else ""), verdict, summary

def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="verdict-fixture-verdicts-")
    oversell = scenario(work, "oversell_expected_ok",
                        [{"do": "inventory.fulfill", "with": {"sku": "S1", "batch": "B1", "location": "WH1", "qty": "5"}}])
    code, last, verdict, summary = run(binary, work, "fail", oversell)
    if code != 1 or verdict["status"] != "fail" or last != "0 passed, 1 failed":
        fail(f"a failed expectation gave exit {code}, status {verdict['status']}, last line '{last}'")
    finding = verdict["findings"][0]
    if finding["step"] != 5 or finding["expected"] != "ok" or "INSUFFICIENT_STOCK" not in finding["actual"]:
        fail(f"the finding does not name step 5, 'ok' and INSUFFICIENT_STOCK: {finding}")
    if not re.search(r"replay: \./verdict fixtures \S*oversell_expected_ok\.json --keep-db --stop-after 5", summary):
        fail(f"summary.md has no replay line for step 5:\n{summary}")

    bad_json = scenario(work, "bad_json", raw="{ not json")
    code, last, verdict, _ = run(binary, work, "bad-json", bad_json)
    if code != 2 or verdict["status"] != "error" or last != "0 passed, 0 failed, 1 error":
        fail(f"an unreadable scenario gave exit {code}, status {verdict['status']}, last line '{last}'")

    typo = scenario(work, "typo", [{"do": "inventory.fulfill", "feild": "qty",
                                    "with": {"sku": "S1", "batch": "B1", "location": "WH1", "qty": "1"}}])
    code, _, verdict, _ = run(binary, work, "typo", typo)
    detail = verdict["suites"][0]["cases"][0].get("detail", "")
    if code != 2 or "unknown key 'feild'" not in detail:
        fail(f"a misspelt key gave exit {code}, detail '{detail}'")

    # A misspelt argument or check key is an error of the file naming the file, the step and the
    # field: it must never pass as if the scenario had said what it meant.
    for label, step, field in [
            ("argument", {"do": "inventory.receive", "with": {"sku": "S1", "batch": "B1", "location": "WH1",
                                                              "qty": "1", "unit_csot": "1"}}, "unit_csot"),
            ("check", {"check": "on_hand", "with": {"sku": "S1", "batch": "B1", "locaton": "WH1"}, "equals": "2"},
             "locaton"),
            ("command", {"do": "inventory.fulfil", "with": {}}, "inventory.fulfil")]:
        misspelt = scenario(work, "misspelt_" + label, [step])
        code, _, verdict, _ = run(binary, work, "misspelt-" + label, misspelt)
        detail = verdict["suites"][0]["cases"][0].get("detail", "")
        if code != 2 or f"'{field}'" not in detail or "step 5" not in detail or "misspelt_" + label not in detail:
            fail(f"a misspelt {label} gave exit {code}, detail '{detail}'")
    # ...unless the step expects exactly the system's refusal of that field.
    deliberate = scenario(work, "deliberate_unknown_field", [
        {"do": "inventory.fulfill", "with": {"sku": "S1", "batch": "B1", "location": "WH1", "qty": "1", "colour": "red"},
         "expect": {"error": "VALIDATION_FAILED", "field": "colour"}}])
    code, last, verdict, _ = run(binary, work, "deliberate", deliberate)
    if code != 0 or last != "1 passed, 0 failed":
        fail(f"a step expecting VALIDATION_FAILED for an undeclared field gave exit {code}, last line '{last}'")

    code, last, verdict, _ = run(binary, work, "mixed", oversell, bad_json)
    if code != 2 or verdict["status"] != "error" or last != "0 passed, 1 failed, 1 error":
        fail(f"a failure plus an error gave exit {code}, status {verdict['status']}, last line '{last}'")

    shutil.rmtree(work, ignore_errors=True)
    print("check_fixture_verdicts: ok: fail → 1 with step and replay; unreadable or misspelt key, argument, check or "
          "command → 2; error outranks fail")
    print("1 passed, 0 failed")

if __name__ == "__main__":
    main()
