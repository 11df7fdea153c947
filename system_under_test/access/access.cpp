// The access module: tenants, role assignments, and the tables the critical mutation wrapper is
// built on (idempotency keys, the audit chain). Its SQL lives here and in migrations/; the wrapper's
// own statements over these tables are in core/src/session.cpp.
//
// A tenant starts with access.create_tenant: whoever creates it becomes its admin and may grant
// roles to others. Role definitions are data (migrations); assignments are per tenant.

#include <fmt/format.h>

#include "sut/module.hpp"
#include "sut/scope.hpp"
#include "sut/tx.hpp"

namespace sut {
std::vector<Migration> access_migrations();  // generated from migrations/
}

namespace sut::access {
namespace {

constexpr int actor_length_max = 128;
constexpr int role_length_max = 64;

verdict::FieldDecl window_field() {
  auto f = field::decimal("idempotency_window_s", 0, "positive",
                          "how long (seconds of business time) an idempotency key's outcome is replayed; default 86400",
                          false);
  f.precision = 9;  // it is stored as an integer
  return f;
}

Outcome<json> create_tenant(Tx& tx, const Args& a) {
  std::string window = a.has("idempotency_window_s") ? a.text("idempotency_window_s") : "86400";
  auto r = tx.sql().exec_params(
      "INSERT INTO tenants (tenant_id, idempotency_window_s, created_by, created_at) "
      "VALUES ($1, $2::integer, $3, $4::timestamptz) ON CONFLICT (tenant_id) DO NOTHING RETURNING tenant_id",
      tx.tenant(), window, tx.context().actor, tx.context().as_of);
  if (r.empty()) return Error{codes::already_exists, "tenant", fmt::format("tenant: '{}' exists already", tx.tenant())};
  tx.sql().exec_params("INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, 0, audit_genesis($1))", tx.tenant());
  tx.sql().exec_params(
      "INSERT INTO actor_roles (tenant_id, actor, role, granted_by, granted_at) "
      "VALUES ($1, $2, 'admin', $2, $3::timestamptz)",
      tx.tenant(), tx.context().actor, tx.context().as_of);
  bootstrap_tenant(tx);  // what each module gives a new tenant (the ledger's chart, …)
  return json{{"tenant", tx.tenant()}, {"admin", tx.context().actor}};
}

Outcome<json> grant_role(Tx& tx, const Args& a) {
  auto role = tx.sql().exec_params("SELECT 1 FROM roles WHERE role = $1", a.text("role"));
  if (role.empty()) return not_found("role", fmt::format("role: no role '{}'", a.text("role")));
  auto r = tx.sql().exec_params(
      "INSERT INTO actor_roles (tenant_id, actor, role, granted_by, granted_at) "
      "VALUES ($1, $2, $3, $4, $5::timestamptz) ON CONFLICT DO NOTHING RETURNING 1",
      tx.tenant(), a.text("actor"), a.text("role"), tx.context().actor, tx.context().as_of);
  return json{{"granted", !r.empty()}};
}

Outcome<json> revoke_role(Tx& tx, const Args& a) {
  auto r = tx.sql().exec_params("DELETE FROM actor_roles WHERE tenant_id = $1 AND actor = $2 AND role = $3 RETURNING 1",
                                tx.tenant(), a.text("actor"), a.text("role"));
  if (r.empty())
    return not_found("role", fmt::format("role: '{}' does not hold '{}'", a.text("actor"), a.text("role")));
  return json{{"revoked", true}};
}

Outcome<json> roles_of(Tx& tx, const Args& a) {
  json out = json::array();
  for (const auto& row :
       tx.sql().exec_params("SELECT role FROM actor_roles WHERE tenant_id = $1 AND actor = $2 ORDER BY role",
                            tx.tenant(), a.text("actor")))
    out.push_back(row[0].as<std::string>());
  return out;
}

Outcome<json> audit_head(Tx& tx, const Args&) {
  auto r = tx.sql().exec_params("SELECT seq FROM audit_heads WHERE tenant_id = $1", tx.tenant());
  if (r.empty()) return not_found("tenant", fmt::format("tenant: no tenant '{}'", tx.tenant()));
  return json{{"seq", r[0][0].as<long long>()}};
}

std::vector<verdict::Invariant> invariants() {
  return {
      {"INV-AUDIT-001",
       "access",
       "Each tenant's audit chain is gapless (seq 1, 2, 3…) and every link's hash is sha256(previous hash || "
       "its canonical row); the first link chains to the tenant's genesis hash.",
       fmt::format(R"(SELECT a.tenant_id, a.audit_id, a.seq, a.operation, a.mutation_id, p.seq AS previous_seq,
       encode(a.hash, 'hex') AS stored_hash,
       encode(sha256(coalesce(p.hash, audit_genesis(a.tenant_id)) || convert_to(audit_canonical(a.tenant_id, a.seq,
         a.mutation_id, a.correlation_id, a.actor, a.operation, a.fingerprint, a.outcome, a.touched, a.as_of), 'UTF8')),
         'hex') AS recomputed_hash
FROM audit_log a
LEFT JOIN audit_log p ON p.tenant_id = a.tenant_id AND p.seq = a.seq - 1
WHERE {}
  AND ((a.seq > 1 AND p.audit_id IS NULL)
       OR a.hash <> sha256(coalesce(p.hash, audit_genesis(a.tenant_id)) || convert_to(audit_canonical(a.tenant_id,
            a.seq, a.mutation_id, a.correlation_id, a.actor, a.operation, a.fingerprint, a.outcome, a.touched,
            a.as_of), 'UTF8')))
ORDER BY a.tenant_id, a.seq)",
                   in_scope("access.audit", "a.audit_id")),
       "critical",
       "An audit row was altered, removed or inserted out of band: the first row listed is the first broken link. "
       "Compare it with the mutation log (mutation_id) and the database's own logs; never rewrite the chain.",
       {"access.audit"}},
      {"INV-AUDIT-002",
       "access",
       "Each tenant's chain head (audit_heads) names its latest audit row: same sequence number, same hash.",
       fmt::format(R"(SELECT h.tenant_id, h.seq AS head_seq, encode(h.hash, 'hex') AS head_hash,
       a.seq AS latest_seq, encode(a.hash, 'hex') AS latest_hash
FROM audit_heads h
LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log l WHERE l.tenant_id = h.tenant_id ORDER BY seq DESC LIMIT 1) a
  ON true
WHERE ($1::jsonb IS NULL OR h.tenant_id = ANY (ARRAY(SELECT tenant_id FROM audit_log WHERE {})))
  AND (h.seq <> coalesce(a.seq, 0) OR h.hash <> coalesce(a.hash, audit_genesis(h.tenant_id)))
ORDER BY h.tenant_id)",
                   in_scope("access.audit", "audit_id")),
       "critical",
       "The head and the log disagree: a link was lost or the head was moved by hand. Rebuild nothing; find the "
       "mutation that wrote the head (audit_log.mutation_id) and the statement that bypassed the wrapper.",
       {"access.audit"}},
  };
}

const struct Registrar {
  Registrar() {
    Module m;
    m.name = "access";
    m.migrations = access_migrations();
    m.commands = {
        {{"access.create_tenant",
          "",
          "",
          "Creates the request's tenant; the acting actor becomes its admin. Refused when the tenant exists.",
          {window_field()},
          // No key: anyone may ask, and a stored refusal would let an actor of no standing append
          // to an existing tenant's audit chain and key table.
          false},
         nullptr,
         create_tenant},
        {{"access.grant_role",
          "",
          "access.manage",
          "Grants a role to an actor in the tenant (no effect when held already).",
          {field::text("actor", actor_length_max, "who receives the role"),
           field::text("role", role_length_max, "a defined role: admin, clerk, viewer")},
          true},
         nullptr,
         grant_role},
        {{"access.revoke_role",
          "",
          "access.manage",
          "Takes a role from an actor in the tenant.",
          {field::text("actor", actor_length_max, "who loses the role"),
           field::text("role", role_length_max, "the role held")},
          true},
         nullptr,
         revoke_role},
    };
    m.reads = {
        {{"roles",
          "",
          "The roles an actor holds in the tenant, sorted.",
          {field::text("actor", actor_length_max, "the actor")}},
         roles_of},
        {{"audit_head", "", "The tenant's audit chain length (its head's sequence number).", {}}, audit_head},
    };
    m.invariants = invariants();
    m.failpoints = {
        {"mutation.after_begin", "", "wrapper: after BEGIN, the permission check and the key claim, before the body"},
        {"mutation.before_commit", "", "wrapper: after the body and the audit link, before COMMIT"},
    };
    m.tables = {{"tenants", "", true},           {"permissions", "", false}, {"roles", "", false},
                {"role_permissions", "", false}, {"actor_roles", "", true},  {"idempotency_keys", "", true},
                {"audit_heads", "", true},       {"audit_log", "", true}};
    m.verifiers = {{"audit",
                    "recompute every tenant's audit chain and name the first broken link",
                    {"INV-AUDIT-001", "INV-AUDIT-002"}}};
    register_module(std::move(m));
  }
} registrar;

}  // namespace
}  // namespace sut::access
