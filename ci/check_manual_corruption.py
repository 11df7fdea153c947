#!/usr/bin/env python3
"""The path a person takes: `verdict db start`, write some stock by hand with psql, corrupt a
projection row, and `verdict invariants --check --database URL` exits 1 and lists the rows; fixed
again, it exits 0; `verdict db stop` removes the cluster.
Usage: check_manual_corruption.py VERDICT_BINARY"""
import json
import os
import re
import subprocess
import sys
import tempfile

def fail(msg):
    print(f"check_manual_corruption: FAIL: {msg}")
    sys.exit(1)

def main():
    binary = sys.argv[1]
    env = {k: v for k, v in os.environ.items() if k not in ("VERDICT_SERVER_STATE", "DATABASE_URL")}
    work = tempfile.mkdtemp(prefix="verdict-manual-")
    state = os.path.join(work, "state.json")
    r = subprocess.run([binary, "db", "start", "--state", state], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"db start exited {r.returncode}: {r.stderr}")
    try:
        urls = dict(re.findall(r"URL \((superuser|application role)\):\s+(\S+)", r.stdout))
        if set(urls) != {"superuser", "application role"}:
            fail(f"db start printed no URLs: {r.stdout}")
        app, admin = urls["application role"], urls["superuser"]

        def psql(url, sql):
            p = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True)
            if p.returncode != 0:
                fail(f"psql: {p.stderr}")
            return p.stdout

        def check():
            return subprocess.run([binary, "invariants", "--check", "--database", admin], env=env,
                                  capture_output=True, text=True)

        # Stock written by hand, consistent: the application role may insert, never update the journal.
        # The application role sees and writes only the rows of the tenant its transaction names. The
        # batch costs nothing, so its movements have no value to post to the ledger (docs/MONEY.md).
        psql(app, """
          SET verdict.tenant = 'acme';
          INSERT INTO products (tenant_id, sku, name, created_at) VALUES ('acme', 'S1', 'Widget', '2026-01-01');
          INSERT INTO locations (tenant_id, code, created_at) VALUES ('acme', 'WH1', '2026-01-01');
          INSERT INTO batches (tenant_id, product_id, code, unit_cost, created_at) VALUES ('acme', 1, 'B1', 0, '2026-01-01');
          INSERT INTO movements (tenant_id, kind, batch_id, location_id, qty, balance_after, mutation_id, actor, as_of)
            VALUES ('acme', 'receive', 1, 1, 5, 5, 'by-hand', 'person', '2026-01-01');
          INSERT INTO on_hand (tenant_id, batch_id, location_id, qty, version) VALUES ('acme', 1, 1, 5, 1);""")
        clean = check()
        if clean.returncode != 0:
            fail(f"a consistent database was reported broken ({clean.returncode}): {clean.stdout}")

        psql(app, "SET verdict.tenant = 'acme'; UPDATE on_hand SET qty = 7 WHERE batch_id = 1 AND location_id = 1")
        broken = check()
        if broken.returncode != 1:
            fail(f"the corrupted projection gave exit {broken.returncode}, expected 1: {broken.stdout}")
        if "INV-STOCK-001" not in broken.stdout or not re.search(r'"on_hand_qty":"7\.0000"', broken.stdout):
            fail(f"the report does not name INV-STOCK-001 and the row: {broken.stdout}")
        if not broken.stdout.rstrip().splitlines()[-1].endswith("1 failed"):
            fail(f"the last line is not the counts: {broken.stdout}")

        psql(app, "SET verdict.tenant = 'acme'; UPDATE on_hand SET qty = 5 WHERE batch_id = 1 AND location_id = 1")
        if check().returncode != 0:
            fail("repaired, the database is still reported broken")
        # What is reported is bounded (rows_reported_max, 20 rows per invariant): 25 broken projection
        # rows are all counted, and 20 of them shown.
        psql(app, """
          SET verdict.tenant = 'acme';
          INSERT INTO locations (tenant_id, code, created_at)
            SELECT 'acme', 'X' || g, '2026-01-01' FROM generate_series(1, 25) g;
          INSERT INTO on_hand (tenant_id, batch_id, location_id, qty, version)
            SELECT 'acme', 1, location_id, 1, 1 FROM locations WHERE code LIKE 'X%';""")
        many = check()
        sections = re.split(r"^BROKEN ", many.stdout, flags=re.M)
        stock = [s for s in sections if s.startswith("INV-STOCK-001")]
        shown = [l for l in stock[0].splitlines() if l.startswith("  ")] if stock else []
        if many.returncode != 1 or not stock or "25 row(s)" not in stock[0] or len(shown) != 20:
            fail(f"25 broken rows should be counted as 25 and shown as 20 (exit 1): {many.stdout}")
        psql(admin, """
          DELETE FROM on_hand WHERE location_id IN (SELECT location_id FROM locations WHERE code LIKE 'X%');
          DELETE FROM locations WHERE code LIKE 'X%';""")
        if check().returncode != 0:
            fail("with the 25 rows removed, the database is still reported broken")

        # `verdict audit verify`: an intact (empty) chain passes; a link whose hash does not chain is
        # named, with its tenant and sequence number.
        def audit_verify():
            return subprocess.run([binary, "audit", "verify", "--database", admin], env=env,
                                  capture_output=True, text=True)
        intact = audit_verify()
        if intact.returncode != 0 or not intact.stdout.rstrip().endswith("2 passed, 0 failed"):
            fail(f"audit verify of an intact chain gave exit {intact.returncode}: {intact.stdout}{intact.stderr}")
        psql(admin, """
          INSERT INTO tenants (tenant_id, created_by, created_at) VALUES ('acme', 'person', '2026-01-01');
          INSERT INTO audit_log (tenant_id, seq, mutation_id, correlation_id, actor, operation, fingerprint, outcome,
                                 touched, as_of, hash)
            VALUES ('acme', 1, 'm1', '', 'person', 'inventory.receive', 'f', 'ok', '{}', '2026-01-01', '\\x00');
          INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ('acme', 1, '\\x00');""")
        forged = audit_verify()
        if forged.returncode != 1 or "BROKEN INV-AUDIT-001" not in forged.stdout \
                or not re.search(r'"seq":"1"', forged.stdout) or '"tenant_id":"acme"' not in forged.stdout:
            fail(f"audit verify of a forged link gave exit {forged.returncode}: {forged.stdout}{forged.stderr}")
        print("check_manual_corruption: ok: exit 0 clean, exit 1 with the row when corrupted, 0 repaired; "
              "audit verify names a forged link")
    finally:
        root = json.load(open(state))["root"] if os.path.exists(state) else None
        subprocess.run([binary, "db", "stop", "--state", state], env=env, capture_output=True)
        if root and os.path.exists(root):
            fail(f"db stop left the cluster at {root}")
        subprocess.run(["rm", "-rf", work])
    print("1 passed, 0 failed")

if __name__ == "__main__":
    main()
