-- 0001 access: tenants, roles and permissions, idempotency keys and the audit chain: the tables
-- the critical mutation wrapper (core/src/session.cpp) is built on.

-- The tenant wall (issue 5 §4). Every tenant table calls it: row-level security, FORCEd so the
-- owner is subject to it too, and a policy that lets the application role see and write only the
-- rows of the transaction's tenant (`SET LOCAL verdict.tenant`, set by the wrapper). The owner role
-- (migrations, invariant checks) sees every tenant.
CREATE FUNCTION verdict_tenant_wall(target regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('CREATE POLICY tenant_wall ON %s TO verdict_app '
                 'USING (tenant_id = current_setting(''verdict.tenant'', true)) '
                 'WITH CHECK (tenant_id = current_setting(''verdict.tenant'', true))', target);
  EXECUTE format('CREATE POLICY owner_sees_all ON %s TO verdict_owner USING (true) WITH CHECK (true)', target);
END $$;

-- Refuses UPDATE, DELETE and TRUNCATE on append-only tables, for every role.
CREATE FUNCTION verdict_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'VR001';
END $$;

CREATE TABLE tenants (
  tenant_id            text        PRIMARY KEY CHECK (tenant_id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  idempotency_window_s integer     NOT NULL DEFAULT 86400 CHECK (idempotency_window_s > 0),
  created_by           text        NOT NULL,
  created_at           timestamptz NOT NULL
);
SELECT verdict_tenant_wall('tenants');

-- Role and permission definitions are data (shared by every tenant); modules add theirs in their
-- own migrations. Assignments are per tenant.
CREATE TABLE permissions (
  permission  text PRIMARY KEY,
  description text NOT NULL
);
CREATE TABLE roles (
  role        text PRIMARY KEY,
  description text NOT NULL
);
CREATE TABLE role_permissions (
  role       text NOT NULL REFERENCES roles,
  permission text NOT NULL REFERENCES permissions,
  PRIMARY KEY (role, permission)
);
CREATE TABLE actor_roles (
  tenant_id  text        NOT NULL REFERENCES tenants,
  actor      text        NOT NULL CHECK (length(actor) BETWEEN 1 AND 128),
  role       text        NOT NULL REFERENCES roles,
  granted_by text        NOT NULL,
  granted_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, actor, role)
);
SELECT verdict_tenant_wall('actor_roles');

INSERT INTO permissions VALUES
  ('access.manage', 'grant and revoke roles in the tenant, change its settings');
INSERT INTO roles VALUES
  ('admin', 'everything in the tenant, including who may do what'),
  ('clerk', 'day-to-day operations'),
  ('viewer', 'reads only: no mutation');
INSERT INTO role_permissions VALUES ('admin', 'access.manage');

-- Idempotency keys (DESIGN §4): scoped to (tenant, operation). The stored outcome is replayed for
-- the same request fingerprint until expires_at (business time).
CREATE TABLE idempotency_keys (
  tenant_id   text        NOT NULL REFERENCES tenants,
  operation   text        NOT NULL,
  key         text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint text        NOT NULL,
  outcome     jsonb       NOT NULL,
  mutation_id text        NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, operation, key)
);
SELECT verdict_tenant_wall('idempotency_keys');

-- The advisory lock that claims a key for one running transaction (released at its end, also when
-- its connection dies, so a killed session never leaves a key stuck).
CREATE FUNCTION idempotency_lock_key(tenant text, operation text, key text) RETURNS bigint
  LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended(tenant || chr(31) || operation || chr(31) || key, 7331) $$;

-- The wrapper's first statement (core/src/session.cpp): the transaction's tenant and actor, whether
-- the actor may run the operation, the request's fingerprint, and — for a keyed request — the key's
-- claim and its stored outcome. One round trip. The stored outcome is read by a statement after the
-- claim: in READ COMMITTED a volatile function's statements each take a new snapshot, so it sees the
-- outcome committed by whoever held the claim before.
CREATE FUNCTION verdict_begin(p_tenant text, p_actor text, p_permission text, p_operation text, p_key text,
                              p_request text, p_as_of timestamptz)
  RETURNS TABLE (permitted boolean, fingerprint text, claimed boolean, stored_fingerprint text,
                 stored_outcome text, stored_live boolean)
  LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM set_config('verdict.tenant', p_tenant, true), set_config('verdict.actor', p_actor, true);
  permitted := p_permission = '' OR EXISTS (
    SELECT 1 FROM actor_roles ar JOIN role_permissions rp ON rp.role = ar.role
    WHERE ar.tenant_id = p_tenant AND ar.actor = p_actor AND rp.permission = p_permission);
  fingerprint := encode(sha256(convert_to(p_request, 'UTF8')), 'hex');
  claimed := permitted AND (p_key = '' OR pg_try_advisory_xact_lock(idempotency_lock_key(p_tenant, p_operation, p_key)));
  IF p_key <> '' AND claimed THEN
    SELECT k.fingerprint, k.outcome::text, k.expires_at > p_as_of
      INTO stored_fingerprint, stored_outcome, stored_live
      FROM idempotency_keys k WHERE k.tenant_id = p_tenant AND k.operation = p_operation AND k.key = p_key;
  END IF;
  RETURN NEXT;
END $$;

-- The audit chain: one row per committed mutation, chained per tenant by
-- hash = sha256(previous hash || canonical row), with a gapless sequence. audit_heads holds each
-- tenant's latest link; appending updates it, so appends of one tenant are serialised there.
CREATE TABLE audit_heads (
  tenant_id text   PRIMARY KEY REFERENCES tenants,
  seq       bigint NOT NULL,
  hash      bytea  NOT NULL
);
SELECT verdict_tenant_wall('audit_heads');

CREATE TABLE audit_log (
  audit_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id      text        NOT NULL REFERENCES tenants,
  seq            bigint      NOT NULL CHECK (seq >= 1),
  mutation_id    text        NOT NULL,
  correlation_id text        NOT NULL,
  actor          text        NOT NULL,
  operation      text        NOT NULL,
  fingerprint    text        NOT NULL,
  outcome        text        NOT NULL,
  touched        jsonb       NOT NULL,
  as_of          timestamptz NOT NULL,
  hash           bytea       NOT NULL,
  UNIQUE (tenant_id, seq)
);
SELECT verdict_tenant_wall('audit_log');
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION verdict_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_append_only();

-- The canonical text of an audit row: deterministic (jsonb orders its keys; time as epoch seconds).
CREATE FUNCTION audit_canonical(tenant_id text, seq bigint, mutation_id text, correlation_id text, actor text,
                                operation text, fingerprint text, outcome text, touched jsonb, as_of timestamptz)
  RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('tenant', tenant_id, 'seq', seq, 'mutation', mutation_id, 'correlation', correlation_id,
                            'actor', actor, 'operation', operation, 'fingerprint', fingerprint, 'outcome', outcome,
                            'touched', touched, 'as_of', extract(epoch FROM as_of))::text $$;

-- The genesis link of a tenant's chain.
CREATE FUNCTION audit_genesis(tenant_id text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(convert_to('verdict audit genesis ' || tenant_id, 'UTF8')) $$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT SELECT ON permissions, roles, role_permissions TO verdict_app;
GRANT SELECT, INSERT, UPDATE ON tenants, audit_heads TO verdict_app;
GRANT SELECT, INSERT, DELETE ON actor_roles TO verdict_app;
GRANT SELECT, INSERT, UPDATE ON idempotency_keys TO verdict_app;
GRANT SELECT, INSERT ON audit_log TO verdict_app;
