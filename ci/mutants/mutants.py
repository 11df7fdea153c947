#!/usr/bin/env python3
"""./verdict mutants — mutation testing of the system under test and of the harness (issue 8).

Plants one small bug at a time (ci/mutants/operators.py) in a scratch copy of the tree, rebuilds it
incrementally and runs the tests most likely to notice first, then the rest of the chosen set only
if the mutant survived. docs/MUTANTS.md says how to run it and read its report.

Exit: 0 pass; 1 the tests failed to kill enough (kill rate under the threshold) or, with --baseline,
a survivor the baseline does not accept; 2 the tool could not judge (bad flags, the unmutated tree
does not build or its tests fail, no mutant was judged).
"""

import argparse
import concurrent.futures
import datetime
import fcntl
import fnmatch
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import operators as ops  # noqa: E402

SCHEMA_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
# What is mutated when no --module is given: the system under test and the harness, not their tests.
DEFAULT_ROOTS = ["system_under_test", "harness"]
SOURCE_SUFFIXES = (".cpp", ".hpp", ".sql")
EXCLUDED_PARTS = ("/tests/",)
# The scratch copy leaves out what is built or written, never read by the build.
SCRATCH_EXCLUDED = ("out/", ".git/", "build/")


class Unjudgeable(Exception):
    """The tool cannot judge: exit 2 with this message."""


def log(message):
    print(f"verdict mutants: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Flags and profiles

def parse_budget(text):
    """'30m', '90s', '2h', '45' (seconds) → seconds."""
    m = re.fullmatch(r"(\d+)([smh]?)", text or "")
    if not m or int(m.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"--budget: expected a duration such as 30m, 90s or 2h, got '{text}'")
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def parse_jobs(text):
    if not re.fullmatch(r"[1-9]\d?", text):
        raise argparse.ArgumentTypeError(f"--jobs: expected 1 to 99, got '{text}'")
    return int(text)


def parse_threshold(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)%?", text)
    if not m or float(m.group(1)) > 100:
        raise argparse.ArgumentTypeError(f"--threshold: expected a percentage 0 to 100, got '{text}'")
    return float(m.group(1))


def parse_shard(text):
    m = re.fullmatch(r"(\d+)/(\d+)", text)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise argparse.ArgumentTypeError(f"--shard: expected I/N with 1 <= I <= N, got '{text}'")
    return int(m.group(1)), int(m.group(2))


class Parser(argparse.ArgumentParser):
    def error(self, message):
        # argparse names the flag ("unrecognized arguments: --frobnicate"); exit 2 as every verdict tool.
        self.print_usage(sys.stderr)
        print(f"verdict mutants: error: {message}", file=sys.stderr)
        sys.exit(2)


def make_parser():
    p = Parser(prog="./verdict mutants", allow_abbrev=False,
               description="Mutation testing: plant one bug at a time, see whether the tests notice. docs/MUTANTS.md")
    p.add_argument("--module", action="append", default=[], metavar="M",
                   help="a module of system_under_test (ledger, core, …), 'harness', or a path prefix; repeatable")
    p.add_argument("--operators", metavar="LIST", help="comma-separated operator ids (default: all; see --list-operators)")
    p.add_argument("--budget", type=parse_budget, metavar="DURATION", help="stop starting mutants after this long (30m)")
    p.add_argument("--jobs", type=parse_jobs, metavar="N", help="mutants judged at once, each in its own scratch copy")
    p.add_argument("--tests", nargs="+", metavar="LABEL", help="CTest labels of the test set (default: the profile's, pr)")
    p.add_argument("--baseline", metavar="FILE", help="accepted survivors (ci/mutants-baseline.json): fail on new ones only")
    p.add_argument("--only", action="append", default=[], metavar="ID", help="judge only these mutant ids; repeatable")
    p.add_argument("--changed-from", metavar="REF", help="only lines changed since this git ref")
    p.add_argument("--shard", type=parse_shard, metavar="I/N", help="only the I-th of N shards (by mutant id)")
    p.add_argument("--profile", default="pr", metavar="NAME", help="ci/mutants/profiles/NAME.json (default pr)")
    p.add_argument("--threshold", type=parse_threshold, metavar="PCT", help="kill rate below which the run fails")
    p.add_argument("--out", metavar="DIR", help="report directory (default out/mutants/<run id>)")
    p.add_argument("--list", action="store_true", help="list the selected mutants and exit")
    p.add_argument("--list-operators", action="store_true", help="list the operators and exit")
    p.add_argument("--root", help=argparse.SUPPRESS)  # the tree to mutate (tests of the tool point it at a sample)
    return p


def load_profile(name):
    path = os.path.join(HERE, "profiles", f"{name}.json")
    try:
        with open(path) as f:
            profile = json.load(f)
    except (OSError, ValueError) as e:
        raise Unjudgeable(f"profile '{name}': cannot read {path}: {e}")
    known = {"name", "description", "threshold", "budget", "jobs", "tests", "operators"}
    unknown = set(profile) - known
    if unknown:
        raise Unjudgeable(f"profile '{name}': unknown key(s) {', '.join(sorted(unknown))}")
    return profile


# ---------------------------------------------------------------------------------------------
# The catalogue

def tracked_files(root):
    """Every file of the tree (git's view when it is a repository: tracked plus untracked, not ignored)."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-co", "--exclude-standard", "-z"], check=True,
                             capture_output=True, text=True).stdout
        files = [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in (".git", "out")]
            for name in filenames:
                files.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(f for f in files if os.path.isfile(os.path.join(root, f)) and not f.startswith(SCRATCH_EXCLUDED))


def select_files(files, modules):
    def candidate(f):
        return f.endswith(SOURCE_SUFFIXES) and not any(part in "/" + f for part in EXCLUDED_PARTS)

    if not modules:
        return [f for f in files if candidate(f) and f.split("/")[0] in DEFAULT_ROOTS]
    chosen = []
    for m in modules:
        prefix = m.rstrip("/")
        if "/" not in prefix and prefix not in DEFAULT_ROOTS:
            prefix = f"system_under_test/{prefix}"
        hits = [f for f in files if candidate(f) and (f == prefix or f.startswith(prefix + "/"))]
        if not hits:
            raise Unjudgeable(f"--module {m}: no C++ or SQL source under {prefix}")
        chosen += [f for f in hits if f not in chosen]
    return chosen


def changed_lines(root, ref):
    """{path: set of line numbers} that differ from REF (the new side of `git diff -U0`)."""
    try:
        # The tree holds binary files (the fuzz corpora): a diff of them is not UTF-8, and never a source.
        out = subprocess.run(["git", "-C", root, "diff", "-U0", "--no-color", "--no-ext-diff", "--text", ref, "--"],
                             check=True, capture_output=True, text=True, errors="replace").stdout
    except subprocess.CalledProcessError as e:
        raise Unjudgeable(f"--changed-from {ref}: git diff failed: {e.stderr.strip()}")
    result, path = {}, None
    for line in out.splitlines():
        if line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else None
        m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
        if m and path:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            result.setdefault(path, set()).update(range(start, start + count))
    return result


def catalogue(root, args, operators):
    files = select_files(tracked_files(root), args.module)
    changed = changed_lines(root, args.changed_from) if args.changed_from else None
    mutants = []
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8") as handle:
            text = handle.read()
        for m in ops.mutants_of(f, text, operators):
            if changed is not None and m.line not in changed.get(f, ()):
                continue
            mutants.append(m)
    if args.only:
        wanted = {i for item in args.only for i in item.split(",") if i}
        found = {m.id for m in mutants}
        missing = sorted(wanted - found)
        if missing:
            raise Unjudgeable(f"--only: no mutant with id {', '.join(missing)} in the selection")
        mutants = [m for m in mutants if m.id in wanted]
    if args.shard:
        index, count = args.shard
        mutants = [m for m in mutants if int(m.id, 16) % count == index - 1]
    return mutants


# ---------------------------------------------------------------------------------------------
# Which tests first: a static map from source files to test names (ci/mutants/test_map.json)

def load_test_map():
    """→ (map entries, patterns of tests never run on mutants)."""
    path = os.path.join(HERE, "test_map.json")
    with open(path) as f:
        data = json.load(f)
    return data["map"], data.get("exclude", [])


def first_tests(path, test_map, test_names):
    """The tests to run first on a mutant of `path`: those of every map entry whose glob matches it; for
    a file of system_under_test/<module>/ also the tests named after the module."""
    patterns = [entry["tests"] for entry in test_map if fnmatch.fnmatch(path, entry["files"])]
    module = ops.module_of(path)
    if path.startswith("system_under_test/") or not patterns:
        patterns.append(rf"(?i)(^|[._]){re.escape(module)}")
    return [t for t in test_names if any(re.search(p, t) for p in patterns)]


# ---------------------------------------------------------------------------------------------
# The scratch copies: out/mutants/scratch/<slot>/src, built with the pr preset in its own tree.

_children = set()  # process groups of the builds and test runs under way (GUARDED_BY _children_lock)
_children_lock = threading.Lock()


def run(cmd, cwd=None):
    """Runs cmd in a process group of its own, so that an interrupted run ends it and all it started."""
    # The scratch copy's tests find their tree through VERDICT_ROOT (CTest sets it); never the caller's.
    env = {k: v for k, v in os.environ.items() if k != "VERDICT_ROOT"}
    with _children_lock:
        child = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                 start_new_session=True)
        _children.add(child.pid)
    try:
        out, err = child.communicate()
    finally:
        with _children_lock:
            _children.discard(child.pid)
    return subprocess.CompletedProcess(cmd, child.returncode, out, err)


def _interrupted(signum, frame):
    """SIGINT/SIGTERM/SIGHUP: end the builds and test runs under way (their clusters clean themselves up,
    and the next db start removes what a killed one left), then exit 128 + N like every verdict command."""
    with _children_lock:
        for pid in list(_children):
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    log(f"interrupted by {signal.Signals(signum).name}; the report so far is in results.jsonl")
    os._exit(128 + signum)


def file_sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Scratch:
    def __init__(self, root, base, slot):
        self.root = root
        self.src = os.path.join(base, str(slot), "src")
        self.build = os.path.join(self.src, "out", "build", "pr")
        self.lock = threading.Lock()
        self.dirty = None  # the file holding a mutant, restored before the next
        # One run per copy at a time (two would write the same files and objects): held until exit.
        os.makedirs(os.path.dirname(self.src), exist_ok=True)
        self._lock_file = open(os.path.join(os.path.dirname(self.src), "lock"), "w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"another ./verdict mutants is using {self.src}; waiting for it to finish")
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)

    def sync(self, files):
        """Copy every file whose content differs (unchanged files keep their times: the build stays incremental)."""
        os.makedirs(self.src, exist_ok=True)
        for f in files:
            source, target = os.path.join(self.root, f), os.path.join(self.src, f)
            if os.path.exists(target) and file_sha(source) == file_sha(target):
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)
            os.utime(target)  # newer than its object: make rebuilds it
        wanted = set(files)
        for dirpath, dirnames, filenames in os.walk(self.src):
            rel = os.path.relpath(dirpath, self.src)
            if rel == "out" or rel.startswith("out" + os.sep):
                dirnames[:] = []
                continue
            for name in filenames:
                f = os.path.normpath(os.path.join(rel, name))
                if f not in wanted:
                    os.remove(os.path.join(dirpath, name))

    def configure_and_build(self, jobs):
        if not os.path.exists(os.path.join(self.build, "CMakeCache.txt")):
            r = run(["cmake", "--preset", "pr"], cwd=self.src)
            if r.returncode != 0:
                return False, r.stdout + r.stderr
        r = run(["cmake", "--build", self.build, "-j", str(jobs)])
        return r.returncode == 0, r.stdout + r.stderr

    def object_of(self, path):
        """The object file the build makes from `path` (from compile_commands.json), or None."""
        try:
            with open(os.path.join(self.build, "compile_commands.json")) as f:
                entries = json.load(f)
        except (OSError, ValueError):
            return None
        source = os.path.realpath(os.path.join(self.src, path))
        for e in entries:
            if os.path.realpath(os.path.join(e["directory"], e["file"])) == source:
                output = e.get("output") or re.search(r"-o (\S+)", e["command"]).group(1)
                return os.path.join(e["directory"], output)
        return None

    def object_code_hash(self, path):
        """sha256 of the object without its debug sections: equal before and after → the compiler made the same code."""
        obj = self.object_of(path)
        if not obj or not os.path.exists(obj):
            return None
        stripped = obj + ".mutants-stripped"
        r = run(["objcopy", "--strip-debug", obj, stripped])
        if r.returncode != 0:
            return None
        digest = file_sha(stripped)
        os.remove(stripped)
        return digest

    def write(self, path, text):
        with open(os.path.join(self.src, path), "w", encoding="utf-8") as f:
            f.write(text)

    def restore(self):
        if self.dirty:
            shutil.copy2(os.path.join(self.root, self.dirty), os.path.join(self.src, self.dirty))
            os.utime(os.path.join(self.src, self.dirty))
            self.dirty = None


def list_tests(build, labels):
    r = run(["ctest", "--test-dir", build, "-N", "--show-only=json-v1", "-L", label_regex(labels)])
    if r.returncode != 0:
        raise Unjudgeable(f"ctest cannot list the tests of {build}: {r.stderr.strip()}")
    tests = json.loads(r.stdout).get("tests", [])
    fixture_setups = set()
    for t in tests:
        for prop in t.get("properties", []):
            if prop["name"] in ("FIXTURES_SETUP", "FIXTURES_CLEANUP"):
                fixture_setups.add(t["name"])
    for t in tests:
        for prop in t.get("properties", []):
            if prop["name"] == "TIMEOUT":
                TIMEOUTS[t["name"]] = float(prop["value"])
    return [t["name"] for t in tests if t["name"] not in fixture_setups]


TIMEOUTS = {}  # test name → its CTest TIMEOUT in seconds: a failure that lasted as long is marked "(timeout)"


def label_regex(labels):
    return "^(" + "|".join(re.escape(label) for label in labels) + ")$"


def run_tests(scratch, names, labels, jobs, junit):
    """Runs the named tests (fixture set-ups come with them). → (passed?, failed test names, seconds)."""
    if not names:
        return True, [], 0.0
    regex = "^(" + "|".join(re.escape(n) for n in names) + ")$"
    started = time.monotonic()
    r = run(["ctest", "--test-dir", scratch.build, "-L", label_regex(labels), "-R", regex, "-j", str(jobs),
             "--output-junit", junit, "--no-tests=error"])
    seconds = time.monotonic() - started
    failed = []
    try:
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = case.get("name")
            if case.get("status") == "notrun":
                failed.append(name + " (not run)")
            elif case.get("status") != "run" or case.find("failure") is not None:
                timed_out = name in TIMEOUTS and float(case.get("time") or 0) >= TIMEOUTS[name] - 0.5
                failed.append(name + (" (timeout)" if timed_out else ""))
    except (OSError, ET.ParseError):
        if r.returncode != 0:
            failed.append("(ctest: " + (r.stdout + r.stderr).strip().splitlines()[-1] + ")")
    if r.returncode != 0 and not failed:
        failed.append("(ctest exited %d)" % r.returncode)
    return not failed, failed, seconds


# ---------------------------------------------------------------------------------------------
# Judging one mutant

def judge(mutant, scratch, originals, base_hashes, tests_all, test_map, labels, junit_dir):
    """→ dict: status killed | survived | invalid | equivalent, killed_by, tier, seconds."""
    started = time.monotonic()
    result = {"killed_by": [], "tier": None, "covering_tests": []}
    with scratch.lock:
        if scratch.dirty and scratch.dirty != mutant.file:
            scratch.restore()
        scratch.write(mutant.file, ops.apply(originals[mutant.file], mutant))
        scratch.dirty = mutant.file
        built, output = scratch.configure_and_build(1)
        result["build_s"] = round(time.monotonic() - started, 1)
        if not built:
            errors = [line for line in output.splitlines() if "error" in line.lower()][:3]
            result.update(status="invalid", reason="does not build: " + " | ".join(errors)[:400])
        else:
            before = base_hashes.get(mutant.file)
            after = scratch.object_code_hash(mutant.file) if before else None
            if before and after == before:
                result.update(status="equivalent", reason="the object code is unchanged (debug info aside)")
            else:
                first = first_tests(mutant.file, test_map, tests_all)
                result["covering_tests"] = first
                junit = os.path.join(junit_dir, mutant.id + ".xml")
                passed, failed, seconds = run_tests(scratch, first, labels, 1, junit)
                result["tier"], result["tests_s"] = "first", round(seconds, 1)
                if passed:
                    rest = [t for t in tests_all if t not in first]
                    passed, failed, seconds = run_tests(scratch, rest, labels, 1, junit)
                    result["tier"], result["tests_s"] = "rest", round(result["tests_s"] + seconds, 1)
                result.update(status="survived" if passed else "killed", killed_by=failed[:20])
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


# ---------------------------------------------------------------------------------------------
# The report

def rate(counts):
    judged = counts["killed"] + counts["survived"]
    return round(100.0 * counts["killed"] / judged, 1) if judged else None


def tally(records, key):
    groups = {}
    for r in records:
        c = groups.setdefault(key(r), {"killed": 0, "survived": 0, "invalid": 0, "equivalent": 0, "not_run": 0})
        c[r["status"]] += 1
    for c in groups.values():
        c["kill_rate"] = rate(c)
    return dict(sorted(groups.items()))


def md_code(text):
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}diff\n{text}{fence}"


def write_report(out_dir, report):
    with open(os.path.join(out_dir, "mutants.json"), "w") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
        f.write("\n")
    t = report["totals"]
    lines = ["## Mutants", "",
             f"**{report['verdict']}**: kill rate {fmt_rate(t['kill_rate'])} ({t['killed']} killed, {t['survived']} survived; "
             f"{t['invalid']} invalid, {t['equivalent']} equivalent suspects, {t['not_run']} not run) — "
             f"threshold {report['threshold']} %" + (f", baseline {report['baseline']}" if report["baseline"] else ""),
             "", f"`{report['command']}` · {report['elapsed_s']} s · tests first by {report['test_selection']}", ""]
    for title, key in (("module", "by_module"), ("operator", "by_operator"), ("file", "by_file")):
        lines += [f"| {title} | killed | survived | invalid | equivalent | not run | kill rate |",
                  "|---|---|---|---|---|---|---|"]
        for name, c in report[key].items():
            lines.append(f"| `{name}` | {c['killed']} | {c['survived']} | {c['invalid']} | {c['equivalent']} | "
                         f"{c['not_run']} | {fmt_rate(c['kill_rate'])} |")
        lines.append("")
    survivors = [m for m in report["mutants"] if m["status"] == "survived"]
    if survivors:
        lines += ["### Survivors", ""]
        for m in survivors:
            accepted = m.get("baseline_reason")
            lines += [f"- `{m['id']}` {m['operator']} `{m['file']}:{m['line']}`"
                      + (f" — accepted: {accepted}" if accepted else " — **new**"),
                      f"  replay: `{m['replay']}`; tests mapped to the file: {len(m['covering_tests'])}", "",
                      md_code(m["diff"]), ""]
    equivalents = [m for m in report["mutants"] if m["status"] == "equivalent"]
    if equivalents:
        lines += ["### Equivalent suspects (object code unchanged; not counted)", ""]
        lines += [f"- `{m['id']}` {m['operator']} `{m['file']}:{m['line']}`: `{m['after'].strip()}`" for m in equivalents]
        lines.append("")
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write("\n".join(lines))
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as f:
            f.write("\n".join(lines) + "\n")


def fmt_rate(value):
    return "n/a" if value is None else f"{value} %"


def load_baseline(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise Unjudgeable(f"--baseline: cannot read {path}: {e}")
    entries = data.get("survivors") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise Unjudgeable(f"--baseline: {path} has no 'survivors' list")
    accepted = {}
    for k, e in enumerate(entries):
        if not isinstance(e, dict) or not e.get("id") or not str(e.get("reason", "")).strip():
            raise Unjudgeable(f"--baseline: {path}: survivors[{k}] needs an id and a reason")
        accepted[e["id"]] = e["reason"]
    return accepted


def decide(records, threshold, accepted):
    """→ (verdict, exit code, new survivors). Nothing judged → error (2)."""
    counts = {s: sum(1 for r in records if r["status"] == s) for s in ("killed", "survived")}
    if counts["killed"] + counts["survived"] == 0:
        return "error", 2, []
    survivors = [r["id"] for r in records if r["status"] == "survived"]
    if accepted is not None:
        new = [i for i in survivors if i not in accepted]
        return ("fail", 1, new) if new else ("pass", 0, [])
    return ("fail", 1, survivors) if rate(counts) < threshold else ("pass", 0, [])


# ---------------------------------------------------------------------------------------------

def main(argv=None):
    args = make_parser().parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupted)
    root = os.path.abspath(args.root or os.environ.get("VERDICT_ROOT") or os.path.join(HERE, "..", ".."))
    try:
        return execute(args, root)
    except Unjudgeable as e:
        log(f"error: {e}")
        return 2


def execute(args, root):
    if args.list_operators:
        for op in ops.OPERATORS:
            print(f"{op.id:16} {op.family}: {op.rule}")
        return 0
    profile = load_profile(args.profile)
    operators = args.operators or profile.get("operators")
    if operators and operators != "all":
        chosen = [o.strip() for o in operators.split(",") if o.strip()]
        unknown = [o for o in chosen if o not in ops.BY_ID]
        if unknown:
            raise Unjudgeable(f"--operators: unknown operator {', '.join(unknown)} (known: {', '.join(ops.OPERATOR_IDS)})")
    else:
        chosen = None
    threshold = args.threshold if args.threshold is not None else float(profile.get("threshold", 80))
    budget_s = args.budget or parse_budget(profile.get("budget", "30m"))
    jobs = args.jobs or int(profile.get("jobs", 1))
    labels = args.tests or profile.get("tests", ["pr"])
    accepted = load_baseline(args.baseline) if args.baseline else None

    mutants = catalogue(root, args, chosen)
    if args.list:
        for m in mutants:
            print(f"{m.id} {m.operator:15} {m.file}:{m.line}: {m.after.strip()}")
        print(f"{len(mutants)} mutants", file=sys.stderr)
        return 0
    if not mutants:
        raise Unjudgeable("no mutant in the selection (modules, operators, --changed-from, --only, --shard)")

    started_at = datetime.datetime.now(datetime.timezone.utc)
    run_id = started_at.strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"
    out_dir = os.path.abspath(args.out or os.path.join(root, "out", "mutants", run_id))
    os.makedirs(os.path.join(out_dir, "junit"), exist_ok=True)
    if not args.out:
        latest = os.path.join(root, "out", "mutants", "latest")
        if os.path.islink(latest):
            os.remove(latest)
        if not os.path.exists(latest):
            os.symlink(run_id, latest)
    log(f"{len(mutants)} mutants; report in {out_dir}")

    files = tracked_files(root)
    scratch_base = os.path.join(root, "out", "mutants", "scratch")
    scratches = [Scratch(root, scratch_base, slot) for slot in range(jobs)]
    t0 = time.monotonic()
    for s in scratches:
        log(f"preparing the scratch copy {s.src} (a first build takes minutes; later ones are incremental)")
        s.sync(files)
        ok, output = s.configure_and_build(2)
        if not ok:
            sys.stderr.write(output[-4000:])
            raise Unjudgeable(f"the unmutated tree does not build in {s.src}")
    test_map, excluded = load_test_map()
    tests_all = [t for t in list_tests(scratches[0].build, labels) if not any(re.search(p, t) for p in excluded)]
    if not tests_all:
        raise Unjudgeable(f"no test carries the label(s) {', '.join(labels)}")
    sanity(scratches[0], tests_all, labels, jobs, out_dir)
    # The budget counts the mutants, not the scratch copy's first build or the unmutated run.
    t0 = time.monotonic()

    # The files as the scratch copies hold them (what is built), not as the tree holds them now.
    originals = {}
    for m in mutants:
        if m.file not in originals:
            with open(os.path.join(scratches[0].src, m.file), encoding="utf-8") as f:
                originals[m.file] = f.read()
    base_hashes = {f: scratches[0].object_code_hash(f) for f in originals if not f.endswith(".sql")}

    records = {}
    lock = threading.Lock()
    free = list(scratches)
    results_path = os.path.join(out_dir, "results.jsonl")

    def work(m):
        with lock:
            scratch = free.pop()
        try:
            if time.monotonic() - t0 > budget_s:
                result = {"status": "not_run", "reason": "budget spent", "killed_by": [], "tier": None,
                          "covering_tests": [], "seconds": 0}
            elif not ops.still_applies(originals[m.file], m):
                # The scratch copy was synced from a tree edited after the catalogue was made: this
                # mutant's line is not there any more. Not judged, said so (never a crash).
                result = {"status": "not_run", "reason": "its line changed in the tree after the run started",
                          "killed_by": [], "tier": None, "covering_tests": [], "seconds": 0}
            else:
                result = judge(m, scratch, originals, base_hashes, tests_all, test_map, labels,
                               os.path.join(out_dir, "junit"))
        finally:
            with lock:
                free.append(scratch)
        record = mutant_record(m, result, accepted)
        with lock:
            records[m.id] = record
            with open(results_path, "a") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            done = len(records)
        if result["status"] != "not_run":
            log(f"[{done}/{len(mutants)}] {m.id} {m.operator} {m.file}:{m.line}: {result['status']}"
                f" ({result['seconds']} s{', by ' + result['killed_by'][0] if result['killed_by'] else ''})")
        return record

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(work, mutants))
    finally:
        for s in scratches:
            s.restore()

    ordered = [records[m.id] for m in mutants]
    verdict, code, new = decide(ordered, threshold, accepted)
    totals = tally(ordered, lambda r: "all")["all"]
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": "verdict mutants",
        "run_id": run_id,
        "git_sha": git_sha(root),
        "command": "./verdict mutants " + " ".join(sys.argv[1:]),
        "profile": args.profile,
        "threshold": threshold,
        "baseline": args.baseline,
        "budget_s": budget_s,
        "jobs": jobs,
        "test_labels": labels,
        "test_selection": "ci/mutants/test_map.json and the tests named after the module (static, not coverage); then the rest of the set",
        "started": started_at.isoformat(timespec="seconds"),
        "elapsed_s": round(time.monotonic() - t0, 1),
        "verdict": verdict,
        "exit_code": code,
        "totals": totals,
        "by_module": tally(ordered, lambda r: r["module"]),
        "by_operator": tally(ordered, lambda r: r["operator"]),
        "by_file": tally(ordered, lambda r: r["file"]),
        "new_survivors": new,
        "mutants": ordered,
    }
    write_report(out_dir, report)
    print(f"mutants: {totals['killed']} killed, {totals['survived']} survived, {totals['invalid']} invalid, "
          f"{totals['equivalent']} equivalent, {totals['not_run']} not run; kill rate {fmt_rate(totals['kill_rate'])}"
          f" (threshold {threshold} %){'; new survivors: ' + ', '.join(new) if new else ''}")
    print(f"{verdict}: {os.path.join(out_dir, 'summary.md')}")
    return code


def sanity(scratch, tests_all, labels, jobs, out_dir):
    """The unmutated tree must pass the whole test set, or no kill would mean anything. Cached by content."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(scratch.src):
        # Pruned as it walks (a sorted copy of the walk would not prune): out/ holds the build.
        dirnames[:] = sorted(d for d in dirnames if not (dirpath == scratch.src and d == "out"))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, scratch.src)
            # Not read by any test run on mutants: this tool, its baseline, and prose.
            if rel.startswith(("ci/mutants/", "docs/")) or rel == "ci/mutants-baseline.json" or rel.endswith(".md"):
                continue
            digest.update(rel.encode() + b"\0" + file_sha(path).encode())
    digest.update("\0".join(labels).encode())
    stamp = os.path.join(scratch.src, "out", "mutants-sanity-" + digest.hexdigest()[:16])
    if os.path.exists(stamp):
        return
    log(f"running the {len(tests_all)} tests on the unmutated tree once")
    passed, failed, seconds = run_tests(scratch, tests_all, labels, jobs, os.path.join(out_dir, "junit", "unmutated.xml"))
    if not passed:
        # Once more, alone: on a loaded machine a test near its TIMEOUT fails without a bug.
        log(f"failed on the unmutated tree: {', '.join(failed[:5])}; running them once more, alone")
        again = [t.split(" (")[0] for t in failed]
        passed, failed, _ = run_tests(scratch, [t for t in again if t in tests_all], labels, 1,
                                      os.path.join(out_dir, "junit", "unmutated-again.xml"))
        if passed:
            log("they pass alone: load-sensitive tests (a mutant they alone kill may be a timeout, see killed_by)")
    if not passed:
        raise Unjudgeable(f"the unmutated tree fails its own tests ({', '.join(failed[:5])}): no kill would mean anything")
    log(f"the unmutated tree passes ({seconds:.0f} s)")
    for old in os.listdir(os.path.join(scratch.src, "out")):
        if old.startswith("mutants-sanity-"):
            os.remove(os.path.join(scratch.src, "out", old))
    open(stamp, "w").close()


def mutant_record(m, result, accepted):
    record = {
        "id": m.id, "file": m.file, "line": m.line, "module": m.module, "operator": m.operator,
        "before": m.before, "after": m.after, "diff": m.diff(),
        "replay": f"./verdict mutants --only {m.id}",
    }
    record.update(result)
    if accepted is not None and result["status"] == "survived" and m.id in accepted:
        record["baseline_reason"] = accepted[m.id]
    return record


def git_sha(root):
    r = run(["git", "-C", root, "rev-parse", "HEAD"])
    return r.stdout.strip() if r.returncode == 0 else None


if __name__ == "__main__":
    sys.exit(main())
