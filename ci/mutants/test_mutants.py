"""Tests of `./verdict mutants` itself (CTest: harness.mutants_tool). Cheap: operators on snippets, ids,
the baseline, flags and exit codes, and one end-to-end run over a ten-line sample project (its own
tiny CMake build, seconds) where a weak test suite must fail the threshold (exit 1) and a strong one
must pass it (exit 0). No mutant of the real tree is built here.

    python3 -m unittest discover -s ci/mutants -p 'test_*.py'
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mutants  # noqa: E402
import operators as ops  # noqa: E402

TOOL = os.path.join(HERE, "mutants.py")


def afters(path, text, operator):
    return [m.after.strip() for m in ops.mutants_of(path, text, {operator})]


class Operators(unittest.TestCase):
    """Each operator on a snippet: what it makes, and what it must leave alone."""

    def test_cmp_eq_flips_code_not_sql_or_comments(self):
        text = 'if (a == b) x = "WHERE a = b";  // a == b\n'
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "cmp-eq"), ['if (a != b) x = "WHERE a = b";  // a == b'])

    def test_cmp_bound_flips_spaced_binary_comparisons_only(self):
        text = "for (std::size_t i = 0; i < lines.size(); ++i) std::vector<int> v; if (n >= max) f(a >> 2);"
        self.assertEqual(afters("harness/src/x.cpp", text, "cmp-bound"),
                         ["for (std::size_t i = 0; i <= lines.size(); ++i) std::vector<int> v; if (n >= max) f(a >> 2);",
                          "for (std::size_t i = 0; i < lines.size(); ++i) std::vector<int> v; if (n > max) f(a >> 2);"])

    def test_neg_drop(self):
        self.assertEqual(afters("harness/src/x.cpp", "if (!r.ok() && a != b) return;", "neg-drop"),
                         ["if (r.ok() && a != b) return;"])

    def test_guard_drop_on_the_line_and_on_the_next(self):
        text = textwrap.dedent("""\
            if (r.empty()) return not_found("x");
            if (!balance.ok())
              throw std::logic_error("unparsable");
            if (a) {
              f();
            }
            if (auto e = check(tx, a)) return *e;""")
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "guard-drop"),
                         ['if (false) return not_found("x");', "if (false)"])

    def test_sort_drop_in_code_and_the_order_by_before_a_lock(self):
        text = textwrap.dedent("""\
            std::sort(ids.begin(), ids.end());
            "SELECT id FROM t WHERE tenant_id = $1 ORDER BY b.account_id "
            "FOR UPDATE OF b",
            "SELECT id FROM t ORDER BY id",""")
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "sort-drop"),
                         ["static_cast<void>(0);", '"SELECT id FROM t WHERE tenant_id = $1 "'])

    def test_drcr_swap_needs_both_words_and_leaves_messages(self):
        text = textwrap.dedent("""\
            auto change = Balance::from_units(line.debit.units() - line.credit.units());
            return validation("debit", "give a debit or a credit");
            total = debits;
            Money debits, credits;
            if (line.debit.is_positive() == line.credit.is_positive()) return x;
            "WHERE x.debit <> o.credit "
            "HAVING sum(l.debit) <> sum(l.credit)",""")
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "drcr-swap"),
                         ["auto change = Balance::from_units(line.credit.units() - line.debit.units());",
                          '"WHERE x.credit <> o.debit "'])

    def test_idem_skip(self):
        text = "if (keyed) {\nif (stored_live) return x;\nif (other) {"
        self.assertEqual(afters("system_under_test/core/src/s.cpp", text, "idem-skip"),
                         ["if (false) {", "if (false) return x;"])

    def test_retry_set_narrowed_widened_and_sqlstate_literals(self):
        text = 'catch (const pqxx::transaction_rollback& e) {\nreturn state == "57P01" || state == "xy";'
        self.assertEqual(afters("system_under_test/core/src/s.cpp", text, "retry-set"),
                         ["catch (const pqxx::serialization_failure& e) {", "catch (const pqxx::sql_error& e) {",
                          'return state == "XX999" || state == "xy";'])

    def test_rounding_mode_truncates_a_scaled_round_only(self):
        text = '"SELECT round(l.qty * l.unit_price, 2), round(x) FROM l",'
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "rounding-mode"),
                         ['"SELECT trunc(l.qty * l.unit_price, 2), round(x) FROM l",'])

    def test_off_by_one_on_limits_and_declared_scales(self):
        text = 'constexpr int lines_max = 50;\nint n = 50;\nfield::decimal("qty", 4, "positive", "x"),'
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "off-by-one"),
                         ["constexpr int lines_max = 51;", "constexpr int lines_max = 49;",
                          'field::decimal("qty", 5, "positive", "x"),'])

    def test_stmt_drop_one_call_statements_only(self):
        text = textwrap.dedent("""\
            tx.touch(kinds::bill, id);
            VERDICT_FAILPOINT("a.b");
            return f(x);
            auto x = f(y);
            x = f(y);
            f(a) + g(b);
            Error{x};
            report.touched.clear();
            if (a) f(b);
            // g(c);""")
        self.assertEqual([m.before.strip() for m in ops.mutants_of("system_under_test/m/m.cpp", text, {"stmt-drop"})],
                         ["tx.touch(kinds::bill, id);", 'VERDICT_FAILPOINT("a.b");'])
        self.assertEqual(set(afters("system_under_test/m/m.cpp", text, "stmt-drop")), {"static_cast<void>(0);"})

    def test_reset_drop(self):
        text = "report.touched.clear();\nimpl_->connection.reset();\nstate = {};\nf();\nx.clear_all();"
        self.assertEqual(len(afters("system_under_test/core/src/s.cpp", text, "reset-drop")), 3)

    def test_grant_widen_in_migrations(self):
        text = textwrap.dedent("""\
            GRANT SELECT, INSERT ON customers, invoice_lines TO verdict_app;
            GRANT UPDATE (credit_limit) ON customers TO verdict_app;
            GRANT ALL ON x TO y;
            REVOKE ALL ON t FROM PUBLIC;""")
        self.assertEqual(afters("system_under_test/m/migrations/0001_m.sql", text, "grant-widen"),
                         ["GRANT ALL ON customers, invoice_lines TO verdict_app;",
                          "GRANT UPDATE ON customers TO verdict_app;", "GRANT ALL ON customers TO verdict_app;"])
        self.assertEqual(afters("system_under_test/m/m.cpp", "GRANT SELECT ON t TO r;", "grant-widen"), [])

    def test_conflict_change(self):
        text = textwrap.dedent("""\
            "VALUES ($1) ON CONFLICT ON CONSTRAINT bills_number_unique DO NOTHING RETURNING bill_id",
            "ON CONFLICT (k) DO UPDATE SET v = 1",
            "message: ON CONFLICT here is prose",""")
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "conflict-change"),
                         ['"VALUES ($1) RETURNING bill_id",', '"ON CONFLICT (k) DO NOTHING",'])

    def test_exit_code_only_in_the_harness(self):
        text = "return 2;"
        self.assertEqual(afters("harness/src/cli.cpp", text, "exit-code"), ["return 1;"])
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "exit-code"), [])

    def test_sql_cmp_skips_assignments_errcodes_and_tenant_predicates(self):
        text = textwrap.dedent("""\
            UPDATE t SET a = 1 WHERE b = 2;
            SELECT 1 FROM t WHERE qty < 0 AND tenant_id = $1 AND kind = 'a = b';
            RAISE EXCEPTION 'x' USING ERRCODE = 'VR011';
            -- WHERE a = b""")
        self.assertEqual(afters("system_under_test/m/migrations/0001_m.sql", text, "sql-cmp"),
                         ["SELECT 1 FROM t WHERE qty <= 0 AND tenant_id = $1 AND kind = 'a = b';",
                          "SELECT 1 FROM t WHERE qty < 0 AND tenant_id = $1 AND kind <> 'a = b';"])

    def test_lock_drop(self):
        sql = "PERFORM 1 FROM periods WHERE period = NEW.period FOR SHARE; -- FOR UPDATE\nFOR EACH ROW"
        self.assertEqual(afters("system_under_test/m/migrations/0001_m.sql", sql, "lock-drop"),
                         ["PERFORM 1 FROM periods WHERE period = NEW.period; -- FOR UPDATE"])
        cpp = '"SELECT x FROM t FOR UPDATE OF b, c"; f("waits for update");'
        self.assertEqual(afters("system_under_test/m/m.cpp", cpp, "lock-drop"), ['"SELECT x FROM t"; f("waits for update");'])

    def test_tenant_drop_in_sql_strings_and_policies(self):
        text = '"WHERE j.tenant_id = $1 AND j.journal_id = $2"; if (tenant_id == x) f("tenant_id = 1");'
        self.assertEqual(afters("system_under_test/m/m.cpp", text, "tenant-drop"),
                         ['"WHERE true AND j.journal_id = $2"; if (tenant_id == x) f("tenant_id = 1");'])
        # `= ANY (…)` goes whole: a mutant that is only a syntax error would be killed by every test.
        text = '"WHERE b.tenant_id = ANY (ARRAY(SELECT t.tenant_id FROM t WHERE {})) AND x = 1"'
        self.assertEqual(afters("system_under_test/m/invariants.cpp", text, "tenant-drop"),
                         ['"WHERE true AND x = 1"'])

    def test_constraint_drop_keeps_the_statement_valid(self):
        text = textwrap.dedent("""\
              code text NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
              UNIQUE (tenant_id, code),
              FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, account_id)
              tenant_id text NOT NULL REFERENCES tenants,""")
        self.assertEqual(afters("system_under_test/m/migrations/0001_m.sql", text, "constraint-drop"),
                         ["code text NOT NULL CHECK (true),", "code text NULL CHECK (length(code) BETWEEN 1 AND 32),",
                          "CHECK (true),", "CHECK (true)", "tenant_id text NULL REFERENCES tenants,",
                          "tenant_id text NOT NULL,"])
        self.assertEqual(afters("system_under_test/m/m.cpp", '"x text NOT NULL"', "constraint-drop"), [])

    def test_trigger_narrow(self):
        text = "CREATE TRIGGER t BEFORE UPDATE OR DELETE ON movements\nCREATE TRIGGER u BEFORE INSERT ON x"
        self.assertEqual(afters("system_under_test/m/migrations/0001_m.sql", text, "trigger-narrow"),
                         ["CREATE TRIGGER t BEFORE DELETE ON movements", "CREATE TRIGGER t BEFORE UPDATE ON movements"])

    def test_round_scale_in_raw_string_sql(self):
        text = 'const char* q = R"(\n  SELECT round(abs(m.qty) * b.cost, 2) AS value, x::numeric(20,2)\n)";'
        self.assertEqual(afters("system_under_test/m/invariants.cpp", text, "round-scale"),
                         ["SELECT round(abs(m.qty) * b.cost, 3) AS value, x::numeric(20,2)",
                          "SELECT round(abs(m.qty) * b.cost, 1) AS value, x::numeric(20,2)",
                          "SELECT round(abs(m.qty) * b.cost, 2) AS value, x::numeric(20,3)"])

    def test_every_operator_has_a_rule_an_example_and_a_function(self):
        self.assertEqual(set(ops.APPLY), set(ops.OPERATOR_IDS))
        for op in ops.OPERATORS:
            self.assertTrue(op.rule and op.example and op.family, op.id)

    def test_docs_list_every_operator_with_its_example(self):
        with open(os.path.join(HERE, "..", "..", "docs", "MUTANTS.md"), encoding="utf-8") as f:
            doc = f.read()
        for op in ops.OPERATORS:
            for needed in (f"| `{op.id}` | {op.family} |", op.example):
                self.assertTrue(needed in doc, f"docs/MUTANTS.md lacks {needed}")

    def test_still_applies_says_whether_the_line_is_unchanged(self):
        m = ops.mutants_of("harness/src/x.cpp", "if (a == b) f();", {"cmp-eq"})[0]
        self.assertTrue(ops.still_applies("if (a == b) f();", m))
        self.assertFalse(ops.still_applies("int moved;\nif (a == b) f();", m))
        self.assertFalse(ops.still_applies("", m.__class__(m.file, 3, m.operator, m.before, m.after)))

    def test_apply_refuses_a_line_that_changed(self):
        m = ops.mutants_of("harness/src/x.cpp", "if (a == b) f();", {"cmp-eq"})[0]
        self.assertEqual(ops.apply("if (a == b) f();", m), "if (a != b) f();")
        with self.assertRaises(ValueError):
            ops.apply("if (a == c) f();", m)


class Ids(unittest.TestCase):
    def test_an_id_survives_lines_moving_and_tells_identical_lines_apart(self):
        text = "if (a == b) f();\nx();\nif (a == b) f();\n"
        first = [m.id for m in ops.mutants_of("harness/src/x.cpp", text, {"cmp-eq"})]
        moved = [m.id for m in ops.mutants_of("harness/src/x.cpp", "// new\n\n" + text, {"cmp-eq"})]
        self.assertEqual(first, moved)
        self.assertEqual(len(set(first)), 2)
        other_file = [m.id for m in ops.mutants_of("harness/src/y.cpp", text, {"cmp-eq"})]
        self.assertFalse(set(first) & set(other_file))
        self.assertRegex(first[0], r"^[0-9a-f]{12}$")


def record(i, status):
    return {"id": i, "status": status}


class Baseline(unittest.TestCase):
    def test_threshold_without_a_baseline(self):
        records = [record("a", "killed"), record("b", "killed"), record("c", "survived"), record("d", "invalid")]
        self.assertEqual(mutants.decide(records, 60, None), ("pass", 0, []))
        self.assertEqual(mutants.decide(records, 70, None), ("fail", 1, ["c"]))

    def test_with_a_baseline_only_new_survivors_fail(self):
        records = [record("a", "killed"), record("b", "survived"), record("c", "survived")]
        self.assertEqual(mutants.decide(records, 99, {"b": "r", "c": "r"}), ("pass", 0, []))
        self.assertEqual(mutants.decide(records, 0, {"b": "r"}), ("fail", 1, ["c"]))

    def test_nothing_judged_is_an_error(self):
        self.assertEqual(mutants.decide([record("a", "invalid"), record("b", "not_run")], 0, None)[:2], ("error", 2))

    def test_a_baseline_entry_needs_a_reason(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"schema_version": 1, "survivors": [{"id": "abc", "reason": " "}]}, f)
        try:
            with self.assertRaisesRegex(mutants.Unjudgeable, r"survivors\[0\] needs an id and a reason"):
                mutants.load_baseline(f.name)
        finally:
            os.remove(f.name)

    def test_the_checked_in_baseline_reads(self):
        path = os.path.join(HERE, "..", "mutants-baseline.json")
        accepted = mutants.load_baseline(path)
        self.assertIsInstance(accepted, dict)


def tool(*args, cwd=None):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


class Flags(unittest.TestCase):
    def test_an_unknown_flag_is_exit_2_naming_it(self):
        r = tool("--frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--frobnicate", r.stderr)

    def test_a_bad_value_names_its_flag(self):
        for args, flag in ((["--budget", "soon"], "--budget"), (["--jobs", "0"], "--jobs"),
                           (["--shard", "3/2"], "--shard"), (["--threshold", "101"], "--threshold"),
                           (["--operators", "nope", "--list"], "--operators"), (["--module", "nope", "--list"], "--module"),
                           (["--only", "000000000000", "--list"], "--only"), (["--profile", "nope"], "profile")):
            r = tool(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(flag, r.stderr, args)

    def test_list_is_exit_0_and_prints_stable_ids(self):
        r = tool("--module", "ledger", "--operators", "lock-drop,tenant-drop", "--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines)
        first = lines[0].split()[0]
        again = tool("--only", first, "--list")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stdout.splitlines(), [lines[0]])


@unittest.skipUnless(shutil.which("git"), "needs git")
class ChangedFrom(unittest.TestCase):
    """--changed-from reads `git diff`, which also shows the tree's binary files (the fuzz corpora)."""

    def test_changed_lines_of_sources_beside_a_binary_file_that_is_not_utf8(self):
        root = tempfile.mkdtemp(prefix="verdict-mutants-changed-")
        try:
            def git(*args):
                subprocess.run(["git", "-C", root, *args], check=True, capture_output=True)
            git("init", "-q")
            git("config", "user.email", "t@example.invalid")
            git("config", "user.name", "t")
            with open(os.path.join(root, "a.cpp"), "w") as f:
                f.write("int a = 1;\nint b = 2;\nint c = 3;\n")
            git("add", "-A")
            git("commit", "-qm", "base")
            with open(os.path.join(root, "a.cpp"), "w") as f:
                f.write("int a = 1;\nint b = 20;\nint c = 3;\nint d = 4;\n")
            with open(os.path.join(root, "seed.bin"), "wb") as f:
                f.write(b"\xb4\xff\x00 not utf-8\n")
            git("add", "-A")
            changed = mutants.changed_lines(root, "HEAD")
            self.assertEqual(changed.get("a.cpp"), {2, 4})
        finally:
            shutil.rmtree(root, ignore_errors=True)


SAMPLE_CMAKE = """\
cmake_minimum_required(VERSION 3.25)
project(sample CXX)
enable_testing()
add_executable(fee system_under_test/calc/fee.cpp)
# The weak suite only runs the program; the strong one checks what it prints.
add_test(NAME calc.weak COMMAND fee)
set_tests_properties(calc.weak PROPERTIES LABELS weak)
add_test(NAME calc.strong COMMAND sh -c "test \\"$($<TARGET_FILE:fee> 0 50 100 | tr '\\\\n' ' ')\\" = '0 6 11 '")
set_tests_properties(calc.strong PROPERTIES LABELS strong)
"""

SAMPLE_PRESETS = {
    "version": 6,
    "configurePresets": [{"name": "pr", "generator": "Unix Makefiles", "binaryDir": "${sourceDir}/out/build/pr",
                          "cacheVariables": {"CMAKE_BUILD_TYPE": "RelWithDebInfo",
                                             "CMAKE_EXPORT_COMPILE_COMMANDS": "ON"}}],
}

SAMPLE_SOURCE = """\
#include <cstdio>
#include <cstdlib>

// A fee: nothing on nothing, else a tenth plus one.
static int fee(int amount) {
  if (amount == 0) return 0;
  return amount / 10 + 1;
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) std::printf("%d\\n", fee(std::atoi(argv[i])));
  return 0;
}
"""


@unittest.skipUnless(shutil.which("cmake") and shutil.which("c++"), "needs cmake and a C++ compiler")
class PlantedWeakSuite(unittest.TestCase):
    """The tool can fail: over a sample, a suite that checks nothing gives a low kill rate and exit 1."""

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="verdict-mutants-sample-")
        os.makedirs(os.path.join(cls.root, "system_under_test", "calc"))
        with open(os.path.join(cls.root, "CMakeLists.txt"), "w") as f:
            f.write(SAMPLE_CMAKE)
        with open(os.path.join(cls.root, "CMakePresets.json"), "w") as f:
            json.dump(SAMPLE_PRESETS, f)
        with open(os.path.join(cls.root, "system_under_test", "calc", "fee.cpp"), "w") as f:
            f.write(SAMPLE_SOURCE)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def run_tool(self, label, *extra):
        out = os.path.join(self.root, "out", "report-" + label)
        r = tool("--root", self.root, "--module", "calc", "--tests", label, "--threshold", "60", "--budget", "5m",
                 "--out", out, *extra)
        report = None
        if os.path.exists(os.path.join(out, "mutants.json")):
            with open(os.path.join(out, "mutants.json")) as f:
                report = json.load(f)
        return r, report

    def test_weak_suite_fails_and_strong_suite_passes(self):
        r, weak = self.run_tool("weak")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(weak["schema_version"], 1)
        self.assertEqual(weak["verdict"], "fail")
        statuses = {m["operator"]: m["status"] for m in weak["mutants"]}
        # i <= argc reads argv[argc] (null) and crashes even the weak suite; the fee's bugs survive it.
        self.assertEqual(statuses, {"cmp-eq": "survived", "guard-drop": "survived", "cmp-bound": "killed"})
        survivor = next(m for m in weak["mutants"] if m["status"] == "survived")
        self.assertIn("./verdict mutants --only " + survivor["id"], survivor["replay"])
        self.assertIn("-  if (amount == 0) return 0;", survivor["diff"])
        with open(os.path.join(self.root, "out", "report-weak", "summary.md")) as f:
            summary = f.read()
        self.assertIn("### Survivors", summary)
        self.assertIn(survivor["id"], summary)
        # The working tree is never touched.
        with open(os.path.join(self.root, "system_under_test", "calc", "fee.cpp")) as f:
            self.assertEqual(f.read(), SAMPLE_SOURCE)

        r, strong = self.run_tool("strong")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(strong["totals"]["kill_rate"], 100.0)
        self.assertTrue(all(m["killed_by"] == ["calc.strong"] for m in strong["mutants"]))

        # With a baseline that accepts the weak suite's survivors, the weak run passes; one fewer and it fails.
        survivors = [m["id"] for m in weak["mutants"] if m["status"] == "survived"]
        baseline = os.path.join(self.root, "baseline.json")
        with open(baseline, "w") as f:
            json.dump({"schema_version": 1, "survivors": [{"id": i, "reason": "sample"} for i in survivors]}, f)
        r, _ = self.run_tool("weak", "--baseline", baseline)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(baseline, "w") as f:
            json.dump({"schema_version": 1, "survivors": [{"id": survivors[0], "reason": "sample"}]}, f)
        r, report = self.run_tool("weak", "--baseline", baseline)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(report["new_survivors"], survivors[1:])

    def test_a_tree_that_does_not_build_is_exit_2(self):
        broken = tempfile.mkdtemp(prefix="verdict-mutants-broken-")
        try:
            shutil.copytree(self.root, broken, dirs_exist_ok=True, ignore=shutil.ignore_patterns("out"))
            with open(os.path.join(broken, "system_under_test", "calc", "fee.cpp"), "a") as f:
                f.write("this is not C++\n")
            r = tool("--root", broken, "--module", "calc", "--tests", "strong", "--out", os.path.join(broken, "o"))
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("the unmutated tree does not build", r.stderr)
        finally:
            shutil.rmtree(broken, ignore_errors=True)

    @unittest.skipUnless(shutil.which("git"), "needs git")
    def test_changed_from_judges_only_the_changed_lines_and_two_jobs_agree_with_one(self):
        tree = tempfile.mkdtemp(prefix="verdict-mutants-changed-sample-")
        try:
            shutil.copytree(self.root, tree, dirs_exist_ok=True, ignore=shutil.ignore_patterns("out"))

            def git(*args):
                subprocess.run(["git", "-C", tree, *args], check=True, capture_output=True)
            git("init", "-q")
            git("config", "user.email", "t@example.invalid")
            git("config", "user.name", "t")
            git("add", "-A")
            git("commit", "-qm", "base")
            source = os.path.join(tree, "system_under_test", "calc", "fee.cpp")
            with open(source) as f:
                text = f.read()
            with open(source, "w") as f:
                f.write(text.replace("if (amount == 0) return 0;", "if (amount == 0) return 0;  // free"))
            changed_line = text.splitlines().index("  if (amount == 0) return 0;") + 1
            everything = tool("--root", tree, "--module", "calc", "--list")
            only_changed = tool("--root", tree, "--module", "calc", "--changed-from", "HEAD", "--list")
            self.assertEqual(only_changed.returncode, 0, only_changed.stderr)
            self.assertTrue(only_changed.stdout.strip(), "the changed line has mutants")
            for line in only_changed.stdout.splitlines():
                self.assertIn(f"fee.cpp:{changed_line}:", line)
            self.assertLess(len(only_changed.stdout.splitlines()), len(everything.stdout.splitlines()))

            def judged(jobs):
                out = os.path.join(tree, "out", f"jobs-{jobs}")
                r = tool("--root", tree, "--module", "calc", "--tests", "strong", "--budget", "5m", "--jobs",
                         str(jobs), "--out", out)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                with open(os.path.join(out, "mutants.json")) as f:
                    return {m["id"]: m["status"] for m in json.load(f)["mutants"]}
            one, two = judged(1), judged(2)
            self.assertEqual(one, two)
            self.assertTrue(one and all(status == "killed" for status in one.values()), one)
        finally:
            shutil.rmtree(tree, ignore_errors=True)

    def test_a_label_no_test_carries_is_exit_2(self):
        r = tool("--root", self.root, "--module", "calc", "--tests", "nosuchlabel", "--out",
                 os.path.join(self.root, "out", "nolabel"))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("no test carries the label", r.stderr)


if __name__ == "__main__":
    unittest.main()
