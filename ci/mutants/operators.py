"""The mutation operators of `./verdict mutants` (docs/MUTANTS.md lists each with its rule and an example).

A mutant is one edit of one line of one file: the line keeps its place, so compiler messages, debug
information and the other mutants of the file are unaffected. Operators see a line as regions (C++
code, SQL, a plain string literal, a comment) so that a C++ operator never edits SQL text, a SQL
operator never edits C++ or an error message, and nothing edits a comment.

A mutant's id is a hash of the file's path, the operator, the line's text (stripped) and the
mutant's index among the mutants of that operator on lines of that same text in that file: it does
not change when other lines move, so a run can be resumed, sharded or replayed by id.

Pure functions of text: no file system, no build. ci/mutants/test_mutants.py tests them on snippets.
"""

import hashlib
import re
from dataclasses import dataclass, field

# Region kinds.
CODE = "code"  # C++ code
SQL = "sql"  # SQL: a .sql file outside literals and comments, or the text of a SQL string in C++
STR = "str"  # a string literal that is not SQL (a message, a field name), or a literal inside SQL
COMMENT = "comment"


@dataclass(frozen=True)
class Operator:
    id: str
    family: str  # the wording: what kind of bug the operator plants
    rule: str
    example: str


OPERATORS = [
    Operator("cmp-eq", "comparison flip", "C++ `==` ↔ `!=`", "`if (a == b)` → `if (a != b)`"),
    Operator("cmp-bound", "boundary flip", "C++ `<` ↔ `<=`, `>` ↔ `>=` (binary, spaced)",
             "`if (n < lines_max)` → `if (n <= lines_max)`"),
    Operator("neg-drop", "negation dropped", "C++ logical `!` removed", "`if (!r.ok())` → `if (r.ok())`"),
    Operator("guard-drop", "guard removed",
             "an early exit `if (COND) return …;` / `throw …;` (body on the line or the next) never taken",
             "`if (r.empty()) return not_found(…);` → `if (false) return not_found(…);`"),
    Operator("sort-drop", "lock order removed",
             "a one-line `std::sort(…);` becomes a no-op; SQL `ORDER BY …` before `FOR UPDATE/SHARE` removed",
             "`std::sort(ids.begin(), ids.end());` → `static_cast<void>(0);`"),
    Operator("drcr-swap", "debit and credit swapped",
             "on a line naming both, every `debit(s)` ↔ `credit(s)` in code and SQL",
             "`line.debit.units() - line.credit.units()` → `line.credit.units() - line.debit.units()`"),
    Operator("idem-skip", "idempotency lookup skipped",
             "an `if (COND)` whose condition names an idempotency key, replay, stored or existing result "
             "is never taken", "`if (keyed) {` → `if (false) {`"),
    Operator("retry-set", "retryable SQLSTATE set changed",
             "the retried exception class narrowed (`transaction_rollback` → `serialization_failure`) or "
             "widened (→ `sql_error`); a SQLSTATE literal in code replaced by one nothing raises",
             "`catch (const pqxx::transaction_rollback& e)` → `catch (const pqxx::sql_error& e)`"),
    Operator("exit-code", "exit code changed", "harness C++ `return 0;`, `return 1;` or `return 2;` → another of the three (0→1, 1→2, 2→1)",
             "`return 2;` → `return 1;`"),
    Operator("sql-cmp", "SQL comparison flip",
             "SQL `=` ↔ `<>`, `<` ↔ `<=`, `>` ↔ `>=` (spaced; not an assignment in `SET`, `:=` or `ERRCODE =`)",
             "`WHERE b.qty < 0` → `WHERE b.qty <= 0`"),
    Operator("lock-drop", "FOR UPDATE / FOR SHARE dropped", "SQL `FOR UPDATE [OF t]`, `FOR SHARE`, "
             "`FOR NO KEY UPDATE`, `FOR KEY SHARE` (and a formatted `FOR {}`) removed",
             "`… ORDER BY b.account_id FOR UPDATE OF b` → `… ORDER BY b.account_id`"),
    Operator("tenant-drop", "tenant predicate dropped", "SQL `[t.]tenant_id = X` replaced by `true`",
             "`WHERE tenant_id = $1 AND journal_id = $2` → `WHERE true AND journal_id = $2`"),
    Operator("constraint-drop", "CHECK / UNIQUE / NOT NULL / FOREIGN KEY dropped",
             "in a migration: `CHECK (…)`, `UNIQUE (…)`, `FOREIGN KEY (…) REFERENCES t (…)` → `CHECK (true)`; "
             "`NOT NULL` → `NULL`; an inline `UNIQUE` or `REFERENCES t` removed",
             "`debit numeric(20,2) NOT NULL CHECK (debit >= 0)` → `… NOT NULL CHECK (true)`"),
    Operator("trigger-narrow", "trigger event narrowed", "one event of a trigger's `A OR B` list removed",
             "`BEFORE UPDATE OR DELETE ON movements` → `BEFORE DELETE ON movements`"),
    Operator("round-scale", "ROUND / scale changed",
             "SQL `round(x, N)` → N+1 and N-1; a `numeric(P,S)` type or cast → scale S+1",
             "`round(abs(m.qty) * b.unit_cost, 2)` → `round(abs(m.qty) * b.unit_cost, 3)`"),
    Operator("rounding-mode", "rounding mode changed", "SQL `round(x, N)` → `trunc(x, N)` (half up becomes toward zero)",
             "`round(l.qty * l.unit_price, 2)` → `trunc(l.qty * l.unit_price, 2)`"),
    Operator("off-by-one", "off-by-one on a limit or a scale",
             "C++ `constexpr` integer `= N;` → N+1 and N-1; a declared decimal field's scale `field::decimal(name, S` → S+1",
             "`constexpr int lines_max = 50;` → `constexpr int lines_max = 51;`"),
    Operator("stmt-drop", "statement removed",
             "a one-line C++ call statement (`f(…);`, `x.f(…);`, `VERDICT_FAILPOINT(…);`; not a declaration, "
             "assignment, return or control statement) becomes a no-op",
             "`tx.touch(kinds::bill, id);` → `static_cast<void>(0);`"),
    Operator("reset-drop", "reset of state removed", "a one-line `x.clear();`, `x.reset();` or `x = {};` becomes a no-op",
             "`report.touched.clear();` → `static_cast<void>(0);`"),
    Operator("grant-widen", "GRANT widened",
             "in a migration, a `GRANT` of some privileges `ON` tables `TO` a role → `GRANT ALL`; a column grant "
             "`UPDATE (c)` → the whole table", "`GRANT SELECT, INSERT ON movements TO verdict_app` → `GRANT ALL ON movements TO verdict_app`"),
    Operator("conflict-change", "ON CONFLICT changed",
             "SQL `ON CONFLICT [target] DO NOTHING` removed (the conflict becomes an error); `DO UPDATE` → `DO NOTHING`",
             "`… ON CONFLICT (tenant_id, code) DO NOTHING RETURNING id` → `… RETURNING id`"),
]
OPERATOR_IDS = [op.id for op in OPERATORS]
BY_ID = {op.id: op for op in OPERATORS}


@dataclass
class Mutant:
    file: str  # path relative to the repository root
    line: int  # 1-based
    operator: str
    before: str  # the whole original line
    after: str  # the whole mutated line
    id: str = ""
    module: str = ""
    extra: dict = field(default_factory=dict)

    def diff(self) -> str:
        return f"--- a/{self.file}\n+++ b/{self.file}\n@@ -{self.line} +{self.line} @@\n-{self.before}\n+{self.after}\n"


def module_of(path: str) -> str:
    """system_under_test/<m>/… → <m>; harness/… → harness; anything else → its top folder."""
    parts = path.split("/")
    if parts[0] == "system_under_test" and len(parts) > 2:
        return parts[1]
    return parts[0]


# ---------------------------------------------------------------------------------------------
# Regions

_SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|JOIN|GROUP BY|ORDER BY|RETURNING|VALUES|CREATE|ALTER|"
    r"FOR UPDATE|FOR SHARE|ON CONFLICT|WITH|UNION|EXISTS|PERFORM|SET LOCAL)\b|\$\d|::")


def _looks_like_sql(text: str) -> bool:
    return bool(_SQL_WORDS.search(text))


def _split_sql(text: str, base: int, out: list):
    """SQL text → SQL regions and single-quoted literals (STR), appended to out as (kind, start, end)."""
    i, n, start = 0, len(text), 0
    while i < n:
        if text[i] == "'":
            if i > start:
                out.append((SQL, base + start, base + i))
            j = i + 1
            while j < n:
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            out.append((STR, base + i, base + min(j + 1, n)))
            i = start = min(j + 1, n)
        else:
            i += 1
    if start < n:
        out.append((SQL, base + start, base + n))


def _end_of_block_comment(line, regions):
    """A line that starts inside a block comment: appends the comment's region; → where code resumes,
    or -1 when the comment takes the whole line."""
    end = line.find("*/")
    if end < 0:
        regions.append((COMMENT, 0, len(line)))
        return -1
    regions.append((COMMENT, 0, end + 2))
    return end + 2


def cpp_regions(lines):
    """Per line, [(kind, start, end)] for a C++ file. Tracks block comments and raw strings across lines;
    a string literal is SQL when its whole text looks like SQL (a raw string: all of its lines)."""
    result = [[] for _ in lines]
    state = None  # None, "block", or ("raw", delimiter, sql?)
    for k, line in enumerate(lines):
        regions = result[k]
        i, n = 0, len(line)
        code_start = 0
        if state == "block":
            i = code_start = _end_of_block_comment(line, regions)
            if i < 0:
                continue
            state = None
        elif isinstance(state, tuple):
            _, delim, is_sql = state
            end = line.find(")" + delim + '"')
            stop = n if end < 0 else end
            if is_sql:
                _split_sql(line[:stop], 0, regions)
            else:
                regions.append((STR, 0, stop))
            if end < 0:
                continue
            i = code_start = end + len(delim) + 2
            state = None
        while i < n:
            c = line[i]
            if line.startswith("//", i):
                if i > code_start:
                    regions.append((CODE, code_start, i))
                regions.append((COMMENT, i, n))
                code_start = i = n
                break
            if line.startswith("/*", i):
                if i > code_start:
                    regions.append((CODE, code_start, i))
                end = line.find("*/", i + 2)
                if end < 0:
                    regions.append((COMMENT, i, n))
                    state = "block"
                    code_start = i = n
                    break
                regions.append((COMMENT, i, end + 2))
                code_start = i = end + 2
                continue
            raw = re.match(r'R"([^(\s]*)\(', line[i:]) if c == "R" and (i == 0 or not line[i - 1].isalnum()) else None
            if raw:
                if i > code_start:
                    regions.append((CODE, code_start, i))
                delim = raw.group(1)
                body_start = i + raw.end()
                end = line.find(")" + delim + '"', body_start)
                # Is it SQL? Look ahead through the raw string's lines.
                whole = line[body_start:] if end < 0 else line[body_start:end]
                j = k + 1
                while end < 0 and j < len(lines) and (")" + delim + '"') not in lines[j]:
                    whole += "\n" + lines[j]
                    j += 1
                if end < 0 and j < len(lines):
                    whole += "\n" + lines[j].split(")" + delim + '"')[0]
                is_sql = _looks_like_sql(whole)
                stop = n if end < 0 else end
                if is_sql:
                    _split_sql(line[body_start:stop], body_start, regions)
                else:
                    regions.append((STR, body_start, stop))
                if end < 0:
                    state = ("raw", delim, is_sql)
                    code_start = i = n
                    break
                code_start = i = end + len(delim) + 2
                continue
            if c == '"' or c == "'":
                if i > code_start:
                    regions.append((CODE, code_start, i))
                j = i + 1
                while j < n and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                body = line[i + 1:j]
                if c == '"' and _looks_like_sql(body):
                    _split_sql(body, i + 1, regions)
                else:
                    regions.append((STR, i + 1, j))
                code_start = i = min(j + 1, n)
                continue
            i += 1
        if code_start < n and state is None:
            regions.append((CODE, code_start, n))
    return result


def sql_regions(lines):
    """Per line, [(kind, start, end)] for a .sql file: SQL, quoted literals (STR), comments."""
    result = [[] for _ in lines]
    in_block = False
    for k, line in enumerate(lines):
        regions = result[k]
        i, n, start = 0, len(line), 0
        if in_block:
            i = start = _end_of_block_comment(line, regions)
            if i < 0:
                continue
            in_block = False
        while i < n:
            if line.startswith("--", i):
                break
            if line.startswith("/*", i):
                end = line.find("*/", i + 2)
                if i > start:
                    _split_sql(line[start:i], start, regions)
                if end < 0:
                    regions.append((COMMENT, i, n))
                    in_block = True
                    start = i = n
                    break
                regions.append((COMMENT, i, end + 2))
                start = i = end + 2
                continue
            if line[i] == "'":
                j = i + 1
                while j < n and not (line[j] == "'" and not line.startswith("''", j)):
                    j += 2 if line.startswith("''", j) else 1
                i = j + 1
                continue
            i += 1
        stop = min(i, n)
        if stop > start:
            _split_sql(line[start:stop], start, regions)
        if stop < n and not in_block:
            regions.append((COMMENT, stop, n))
    return result


# ---------------------------------------------------------------------------------------------
# Operators: each yields (start, end, replacement) edits of one line, positions in the whole line.

def _in(regions, kinds):
    return [(s, e) for kind, s, e in regions if kind in kinds]


def _regex_edits(line, spans, pattern, replace):
    for s, e in spans:
        for m in re.finditer(pattern, line[s:e]):
            for rep in replace(m):
                yield (s + m.start(), s + m.end(), rep)


def _balanced(text, open_at):
    """Index just past the parenthesis closing the one at open_at, or -1 if it is not on this line."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _code_only(regions, start, end):
    """True when [start, end) holds no comment (strings are fine: they are part of a condition)."""
    return not any(kind == COMMENT and s < end and e > start for kind, s, e in regions)


def _if_condition(line, regions):
    """(open, close) of the condition of a line that starts `if (` (or `} else if (`), or None."""
    m = re.match(r"\s*(?:\}\s*else\s+)?if \(", line)
    if not m or not _code_only(regions, 0, m.end()):
        return None
    open_at = m.end() - 1
    close = _balanced(line, open_at)
    if close < 0:
        return None
    return open_at, close


def op_cmp_eq(line, regions, ctx):
    return _regex_edits(line, _in(regions, {CODE}), r"(?<![=!<>])(==|!=)(?!=)",
                        lambda m: ["!=" if m.group(1) == "==" else "=="])


_BOUND = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}


def op_cmp_bound(line, regions, ctx):
    return _regex_edits(line, _in(regions, {CODE}), r"(?<= )(<=|>=|<|>)(?= )", lambda m: [_BOUND[m.group(1)]])


def op_neg_drop(line, regions, ctx):
    return _regex_edits(line, _in(regions, {CODE}), r"!(?!=)(?=[\w(*])", lambda m: [""])


def op_guard_drop(line, regions, ctx):
    cond = _if_condition(line, regions)
    if not cond or re.match(r"\(\s*(?:const )?auto\b", line[cond[0]:cond[1]]):
        return  # `if (auto e = f()) return *e;`: the body names the declaration, `(false)` would not build
    rest = line[cond[1]:].strip()
    if not rest:
        following = ctx.next_code_line()
        rest = following.strip() if following is not None else ""
    if re.match(r"(return|throw)\b", rest):
        yield (cond[0], cond[1], "(false)")


_IDEM = re.compile(r"idempot|keyed|replay|stored|existing|already", re.IGNORECASE)


def op_idem_skip(line, regions, ctx):
    cond = _if_condition(line, regions)
    if cond and _IDEM.search(line[cond[0]:cond[1]]):
        yield (cond[0], cond[1], "(false)")


def op_sort_drop(line, regions, ctx):
    m = re.match(r"(\s*)(std::sort\(.*\);)\s*$", line)
    if m and _code_only(regions, 0, len(line)):
        yield (m.start(2), m.end(2), "static_cast<void>(0);")
    # SQL: the ORDER BY that fixes the order rows are locked in (the lock on this line or the next).
    following = ctx.next_code_line() or ""
    if re.search(r"\bFOR (NO KEY UPDATE|KEY SHARE|UPDATE|SHARE)\b", line + " " + following):
        yield from _regex_edits(line, _in(regions, {SQL}), r"\s*\bORDER BY [\w.]+(?:, [\w.]+)*(?: (?:ASC|DESC))?",
                                lambda m: [""])


_DRCR = re.compile(r"\b(debit|credit|Debit|Credit)(s?)\b")
_SWAP = {"debit": "credit", "credit": "debit", "Debit": "Credit", "Credit": "Debit"}


def op_drcr_swap(line, regions, ctx):
    spans = _in(regions, {CODE, SQL})
    words = {m.group(1).lower() for s, e in spans for m in _DRCR.finditer(line[s:e])}
    if words != {"debit", "credit"}:
        return
    if re.match(r"\s*[\w:]+ (debit|credit)s?, (debit|credit)s?;\s*$", line):
        return  # a declaration of both: the swap is the same program
    # `x.debit == x.credit`, `sum(debit) <> sum(credit)`: a symmetric relation of the same qualifier.
    found = [(m.group(1).lower(), line[max(0, s + m.start() - 32):s + m.start()]) for s, e in spans
             for m in _DRCR.finditer(line[s:e])]
    qualifiers = {w: {re.search(r"(\w+\.)?$", before).group(0) for word, before in found if word == w}
                  for w in ("debit", "credit")}
    first = min(s + m.start() for s, e in spans for m in _DRCR.finditer(line[s:e]))
    last = max(s + m.end() for s, e in spans for m in _DRCR.finditer(line[s:e]))
    between = line[first:last]
    if (qualifiers["debit"] == qualifiers["credit"] and re.search(r"==|!=|<>|\|\|| = | OR ", between)
            and "-" not in between):
        return
    out, last = [], 0
    for s, e in spans:
        for m in _DRCR.finditer(line[s:e]):
            out.append(line[last:s + m.start()] + _SWAP[m.group(1)] + m.group(2))
            last = s + m.end()
    mutated = "".join(out) + line[last:]
    yield (0, len(line), mutated)


def op_retry_set(line, regions, ctx):
    code = _in(regions, {CODE})
    yield from _regex_edits(line, code, r"pqxx::transaction_rollback(?=&| &)",
                            lambda m: ["pqxx::serialization_failure", "pqxx::sql_error"])
    # A SQLSTATE in a C++ literal (connection_lost's "57P01", a "40001" compared with): one nothing raises.
    for kind, s, e in regions:
        if kind == STR and re.fullmatch(r"[0-9A-Z]{5}", line[s:e]) and re.search(r"\d", line[s:e]):
            yield (s, e, "XX999")


def op_exit_code(line, regions, ctx):
    if not ctx.path.startswith("harness/"):
        return
    yield from _regex_edits(line, _in(regions, {CODE}), r"(?<=\breturn )([012])(?=;)",
                            lambda m: [{"0": "1", "1": "2", "2": "1"}[m.group(1)]])


_SQL_CMP = {"=": "<>", "<>": "=", "!=": "=", "<": "<=", "<=": "<", ">": ">=", ">=": ">"}


def op_sql_cmp(line, regions, ctx):
    assignment = re.search(r"\bSET\b|:=|\bDEFAULT\b", line)
    for s, e in _in(regions, {SQL}):
        for m in re.finditer(r"(?<= )(<>|!=|<=|>=|=|<|>)(?= )", line[s:e]):
            before = line[:s + m.start()].rstrip()
            if m.group(1) == "=" and (assignment or re.search(r"\bERRCODE$", before)):
                continue
            if re.search(r"\btenant_id$", before):
                continue  # tenant-drop's

            yield (s + m.start(), s + m.end(), _SQL_CMP[m.group(1)])


def op_lock_drop(line, regions, ctx):
    return _regex_edits(line, _in(regions, {SQL}),
                        r"\s*\bFOR (?:NO KEY UPDATE|KEY SHARE|UPDATE|SHARE|\{\})(?: OF \w+(?:, \w+)*)?(?=\W|$)",
                        lambda m: [""])


def op_tenant_drop(line, regions, ctx):
    for s, e in _in(regions, {SQL}):
        text = line[s:e]
        for m in re.finditer(r"(?:\b\w+\.)?\btenant_id\s*=\s*(?:(ANY|ALL|SOME) \(|\$\d+|current_setting\([^)]*\)|[\w.]+)",
                             text):
            end = m.end()
            if m.group(1):  # `tenant_id = ANY (…)`: the whole list goes
                end = _balanced(text, m.end() - 1)
                if end < 0:
                    continue
            yield (s + m.start(), s + end, "true")


def op_constraint_drop(line, regions, ctx):
    if not ctx.path.endswith(".sql"):
        return
    sql = _in(regions, {SQL})

    def inside(pos):
        return any(s <= pos < e for s, e in sql)

    for m in re.finditer(r"\b(CHECK|UNIQUE|FOREIGN KEY) \(", line):
        if not inside(m.start()):
            continue
        close = _balanced(line, m.end() - 1)
        if close < 0:
            continue
        if m.group(1) == "CHECK" and line[m.end():close - 1].strip() == "true":
            continue
        if m.group(1) == "FOREIGN KEY":
            ref = re.match(r"\s*REFERENCES \w+(?: \(([^)]*)\))?", line[close:])
            if not ref:
                continue
            close += ref.end()
        yield (m.start(), close, "CHECK (true)")
    for m in re.finditer(r"\bNOT NULL\b", line):
        if inside(m.start()):
            yield (m.start(), m.end(), "NULL")
    for m in re.finditer(r"\s+UNIQUE\b(?! \()|\s+REFERENCES \w+(?: \([^)]*\))?", line):
        if inside(m.start() + 1) and not re.search(r"FOREIGN KEY \([^)]*\)\s*$", line[:m.start()]):
            yield (m.start(), m.end(), "")


_EVENT = r"(?:INSERT|UPDATE(?: OF \w+(?:, \w+)*)?|DELETE|TRUNCATE)"


def op_trigger_narrow(line, regions, ctx):
    for s, e in _in(regions, {SQL}):
        for m in re.finditer(rf"\b(?:BEFORE|AFTER|INSTEAD OF) ({_EVENT}(?: OR {_EVENT})+)", line[s:e]):
            events = re.findall(_EVENT, m.group(1))
            start = s + m.start(1)
            for k in range(len(events)):
                kept = " OR ".join(ev for j, ev in enumerate(events) if j != k)
                yield (start, start + len(m.group(1)), kept)


def op_round_scale(line, regions, ctx):
    for s, e in _in(regions, {SQL}):
        text = line[s:e]
        for m in re.finditer(r"\bround\(", text, re.IGNORECASE):
            close = _balanced(text, m.end() - 1)
            if close < 0:
                continue
            last = re.search(r",\s*(\d+)\)$", text[m.start():close])
            if not last:
                continue
            at = s + m.start() + last.start(1)
            n = int(last.group(1))
            yield (at, at + len(last.group(1)), str(n + 1))
            if n > 0:
                yield (at, at + len(last.group(1)), str(n - 1))
        for m in re.finditer(r"\bnumeric\((\d+),\s*(\d+)\)", text, re.IGNORECASE):
            yield (s + m.start(2), s + m.end(2), str(int(m.group(2)) + 1))


def op_rounding_mode(line, regions, ctx):
    for s, e in _in(regions, {SQL}):
        text = line[s:e]
        for m in re.finditer(r"\bround\(", text, re.IGNORECASE):
            close = _balanced(text, m.end() - 1)
            if close >= 0 and re.search(r",\s*\d+\)$", text[m.start():close]):
                yield (s + m.start(), s + m.end() - 1, "trunc")


_INT_TYPES = r"(?:int|long|long long|unsigned|std::size_t|size_t|std::int64_t|std::uint64_t|int64_t|std::int32_t)"


def op_off_by_one(line, regions, ctx):
    code = _in(regions, {CODE})
    for s, e in code:
        text = line[s:e]
        for m in re.finditer(rf"\bconstexpr (?:static )?{_INT_TYPES} \w+ = (\d+);", text):
            n = int(m.group(1))
            at, end = s + m.start(1), s + m.end(1)
            yield (at, end, str(n + 1))
            if n > 0:
                yield (at, end, str(n - 1))
        for m in re.finditer(r"\bfield::decimal\(\s*(?:\"[^\"]*\"|[\w.]+),\s*(\d+)\b", line[s:]):
            if s + m.start() >= e:
                break
            yield (s + m.start(1), s + m.end(1), str(int(m.group(1)) + 1))
        break  # the field's name is a string region: searched from the first code region once


_NOT_A_CALL = re.compile(r"\s*(return|if|for|while|switch|case|do|else|auto|const|static|using|typedef|"
                         r"static_assert|delete|new|throw|co_return|goto|break|continue|template|struct|class|"
                         r"namespace|public|private|protected|friend|virtual|explicit|inline|constexpr)\b")
_RESET = re.compile(r"\s*[\w.>\-\[\]()]+(?:\.(?:clear|reset)\(\)| = \{\});\s*$")


def op_stmt_drop(line, regions, ctx):
    if not _code_only(regions, 0, len(line)) or _RESET.match(line) or _NOT_A_CALL.match(line):
        return
    m = re.match(r"(\s*)((?:[A-Za-z_][\w:]*(?:(?:\.|->)[A-Za-z_]\w*)*)\(.*\);)\s*$", line)
    if not m or not any(kind == CODE for kind, s, e in regions):
        return
    head = m.group(2)[:m.group(2).index("(")]
    if re.fullmatch(r"[A-Z][\w:]*", head) and head != "VERDICT_FAILPOINT":
        return  # a type's construction or a macro other than the failpoint marker
    close = _balanced(line, line.index("(", m.start(2)))
    if close != len(line.rstrip()) - 1:
        return  # `f(a) + g(b);`, `f(a).x = 1;`: not one call
    yield (m.start(2), m.end(2), "static_cast<void>(0);")


def op_reset_drop(line, regions, ctx):
    m = _RESET.match(line)
    if m and _code_only(regions, 0, len(line)):
        start = len(line) - len(line.lstrip())
        yield (start, len(line.rstrip()), "static_cast<void>(0);")


def op_grant_widen(line, regions, ctx):
    if not ctx.path.endswith(".sql"):
        return
    m = re.match(r"(\s*GRANT )(.+?)( ON (?:TABLE )?[\w, ]+ TO \w+)", line)
    if not m or m.group(2).strip().upper().startswith("ALL") or "(" in m.group(3):
        return
    privileges = m.group(2)
    if re.search(r"\w+ \([^)]*\)", privileges):  # a column grant: the whole table instead
        yield (m.start(2), m.end(2), re.sub(r" \([^)]*\)", "", privileges))
    yield (m.start(2), m.end(2), "ALL")


def op_conflict_change(line, regions, ctx):
    for s, e in _in(regions, {SQL}):
        text = line[s:e]
        for m in re.finditer(r"\s*\bON CONFLICT\b(?:\s+ON CONSTRAINT \w+|\s*\([^)]*\))?\s+DO (NOTHING|UPDATE\b.*)", text):
            if m.group(1) == "NOTHING":
                yield (s + m.start(), s + m.end(), "")
            else:
                yield (s + m.start(1), s + m.end(1), "NOTHING")


APPLY = {
    "cmp-eq": op_cmp_eq, "cmp-bound": op_cmp_bound, "neg-drop": op_neg_drop, "guard-drop": op_guard_drop,
    "sort-drop": op_sort_drop, "drcr-swap": op_drcr_swap, "idem-skip": op_idem_skip, "retry-set": op_retry_set,
    "exit-code": op_exit_code, "sql-cmp": op_sql_cmp, "lock-drop": op_lock_drop, "tenant-drop": op_tenant_drop,
    "constraint-drop": op_constraint_drop, "trigger-narrow": op_trigger_narrow, "round-scale": op_round_scale,
    "rounding-mode": op_rounding_mode, "off-by-one": op_off_by_one, "stmt-drop": op_stmt_drop,
    "reset-drop": op_reset_drop, "grant-widen": op_grant_widen, "conflict-change": op_conflict_change,
}
assert set(APPLY) == set(OPERATOR_IDS)


class _Context:
    def __init__(self, path, lines, regions, index):
        self.path, self._lines, self._regions, self._index = path, lines, regions, index

    def next_code_line(self):
        """The next line with code or SQL on it, or None."""
        for k in range(self._index + 1, len(self._lines)):
            if any(kind in (CODE, SQL) and self._lines[k][s:e].strip() for kind, s, e in self._regions[k]):
                return self._lines[k]
        return None


def mutant_id(path: str, operator: str, line_text: str, occurrence: int) -> str:
    key = "\0".join([path, operator, line_text.strip(), str(occurrence)])
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def mutants_of(path: str, text: str, operators=None):
    """Every mutant of one file's text (path relative to the root decides the language), in line order."""
    lines = text.split("\n")
    if path.endswith(".sql"):
        regions = sql_regions(lines)
    elif path.endswith((".cpp", ".hpp", ".h", ".cc")):
        regions = cpp_regions(lines)
    else:
        return []
    chosen = [op for op in OPERATOR_IDS if operators is None or op in operators]
    seen = {}  # (operator, stripped line) → mutants so far: the occurrence part of the id
    out = []
    for k, line in enumerate(lines):
        if re.match(r"\s*#\s*(include|pragma|define)", line):
            continue
        ctx = _Context(path, lines, regions, k)
        for op in chosen:
            edits = list(APPLY[op](line, regions[k], ctx))
            done = set()
            for start, end, replacement in edits:
                after = line[:start] + replacement + line[end:]
                if after == line or after in done:
                    continue
                done.add(after)
                key = (op, line.strip())
                occurrence = seen.get(key, 0)
                seen[key] = occurrence + 1
                out.append(Mutant(file=path, line=k + 1, operator=op, before=line, after=after,
                                  id=mutant_id(path, op, line, occurrence), module=module_of(path)))
    return out


def still_applies(text: str, mutant: Mutant) -> bool:
    """Whether the file's text still has the mutant's line where it was made from."""
    lines = text.split("\n")
    return mutant.line <= len(lines) and lines[mutant.line - 1] == mutant.before


def apply(text: str, mutant: Mutant) -> str:
    """The file's text with the mutant applied; raises ValueError when the line is not what it was."""
    lines = text.split("\n")
    if not still_applies(text, mutant):
        raise ValueError(f"{mutant.file}:{mutant.line} is no longer the line mutant {mutant.id} was made from")
    lines[mutant.line - 1] = mutant.after
    return "\n".join(lines)
