#!/usr/bin/env python3
"""Preflight on DATABASE_URL (issue 6): before anything else, a run checks once that the URL's role
has what it needs (CREATEDB; CREATEROLE or the pre-made roles verdict_owner/verdict_app it may
become) and otherwise exits 2 with one message naming each thing missing and the statement that
grants it: never a "permission denied" per test. Roles are made for the check on the CTest fixture's
cluster (trust authentication: logging in as them needs no password) and dropped afterwards.
Planting tests need a superuser: run against a lesser role's DATABASE_URL, the domain tests binary
skips them, saying so and naming the role, runs the rest, and exits 0 (never a wall of "permission
denied").
Usage: check_preflight.py VERDICT_BINARY FIXTURE_FILE SUT_TESTS_BINARY (needs VERDICT_SERVER_STATE)"""
import json
import os
import re
import subprocess
import sys
import tempfile

from check_report import report

failures = []


def psql(conninfo, sql):
    r = subprocess.run(["psql", conninfo, "-v", "ON_ERROR_STOP=1", "-Atc", sql], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"check_preflight: FAIL: psql: {r.stderr}")
        sys.exit(1)
    return r.stdout


def as_role(conninfo, role):
    return re.sub(r"user=('[^']*'|\S+)", f"user={role}", conninfo)


def run(binary, url, args):
    env = {k: v for k, v in os.environ.items() if k != "VERDICT_SERVER_STATE"}
    env["DATABASE_URL"] = url
    r = subprocess.run([binary, *args], capture_output=True, text=True, env=env, timeout=180)
    return r.returncode, r.stdout + r.stderr


def expect(label, binary, url, args, code, needles, absent=()):
    got, output = run(binary, url, args)
    missing = [n for n in needles if n not in output]
    present = [a for a in absent if a in output]
    if got != code or missing or present:
        failures.append(f"{label}: exited {got} (expected {code})" + (f", lacks {missing}" if missing else "")
                        + (f", holds {present}" if present else "") + f":\n{output[-2000:]}")
    else:
        print(f"check_preflight: {label}: exit {got} as expected")
    return output


def main():
    binary, fixture, sut_tests = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(os.environ["VERDICT_SERVER_STATE"]) as f:
        admin = json.load(f)["conninfo"]
    work = tempfile.mkdtemp(prefix="verdict-preflight-")
    tag = f"vp{os.getpid()}"
    roles = {
        "no_createdb": f"{tag}_no_createdb",  # CREATEROLE only
        "no_roles": f"{tag}_no_roles",  # CREATEDB only, not a member of our roles
        "premade": f"{tag}_premade",  # CREATEDB, made a member of our roles by an administrator
        "neither": f"{tag}_neither",  # nothing at all
        "full": f"{tag}_full",  # CREATEDB CREATEROLE
    }
    psql(admin, "; ".join([
        f"CREATE ROLE {roles['no_createdb']} LOGIN CREATEROLE",
        f"CREATE ROLE {roles['no_roles']} LOGIN CREATEDB",
        f"CREATE ROLE {roles['premade']} LOGIN CREATEDB",
        f"GRANT verdict_owner, verdict_app TO {roles['premade']}",
        f"CREATE ROLE {roles['neither']} LOGIN",
        f"CREATE ROLE {roles['full']} LOGIN CREATEDB CREATEROLE",
    ]))
    try:
        run_args = lambda name: ["fixtures", fixture, "--out", os.path.join(work, name)]
        out = expect("no CREATEDB", binary, as_role(admin, roles["no_createdb"]), run_args("a"), 2,
                     [f"'{roles['no_createdb']}'", "CREATEDB", f"ALTER ROLE {roles['no_createdb']} CREATEDB"],
                     ["permission denied", "must have admin option"])
        if out.count("CREATEDB,") > 1:
            failures.append(f"no CREATEDB: the message is repeated:\n{out[-2000:]}")
        expect("not a member of our roles", binary, as_role(admin, roles["no_roles"]), run_args("b"), 2,
               [f"GRANT verdict_owner, verdict_app TO {roles['no_roles']}", "CREATEROLE"],
               ["permission denied", "must have admin option"])
        expect("nothing granted", binary, as_role(admin, roles["neither"]), run_args("c"), 2,
               ["CREATEDB", f"GRANT verdict_owner, verdict_app TO {roles['neither']}"],
               ["permission denied", "must have admin option"])
        expect("pre-made roles, no CREATEROLE", binary, as_role(admin, roles["premade"]), run_args("d"), 0,
               ["1 passed, 0 failed"])
        expect("CREATEDB and CREATEROLE", binary, as_role(admin, roles["full"]), run_args("e"), 0,
               ["1 passed, 0 failed"])
        planting, plain = "Orders.Order001AValueThatIsNotItsLines", "AuditChain.ARolledBackMutationLeavesNoLink"
        expect("planting tests as a lesser role", sut_tests, as_role(admin, roles["full"]),
               [f"--gtest_filter={planting}:{plain}"], 0,
               [f"[  SKIPPED ] {planting}", f"[       OK ] {plain}", "needs a superuser", f"'{roles['full']}'"],
               ["permission denied", "[  FAILED  ]"])
        # The verdict of a refused run says why, like every error.
        with open(os.path.join(work, "a", "verdict.json")) as f:
            verdict = json.load(f)
        if verdict["status"] != "error" or "CREATEDB" not in json.dumps(verdict):
            failures.append(f"no CREATEDB: verdict.json does not say error with the reason: {verdict}")
    finally:
        psql(admin, "; ".join(f"DROP ROLE IF EXISTS {r}" for r in roles.values()))
        subprocess.run(["rm", "-rf", work])
    report("check_preflight", failures, "what is missing is said once, with the statement that grants it")


if __name__ == "__main__":
    main()
