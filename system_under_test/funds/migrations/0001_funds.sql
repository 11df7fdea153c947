-- 0001 funds: funds, investors, commitments, and capital calls and distributions split pro rata by
-- commitment (docs/MONEY.md "Funds"). A call's parts keep the commitment they were split by, so
-- INV-FUND-002 can recompute each exact share.

CREATE TABLE funds (
  tenant_id  text        NOT NULL,
  fund_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code       text        NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
  name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL,
  UNIQUE (tenant_id, code),
  UNIQUE (tenant_id, fund_id)
);

CREATE TABLE investors (
  tenant_id   text        NOT NULL,
  investor_id bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text        NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL,
  UNIQUE (tenant_id, code),
  UNIQUE (tenant_id, investor_id)
);

CREATE TABLE commitments (
  tenant_id   text          NOT NULL,
  fund_id     bigint        NOT NULL,
  investor_id bigint        NOT NULL,
  amount      numeric(20,2) NOT NULL CHECK (amount > 0),
  created_at  timestamptz   NOT NULL,
  PRIMARY KEY (fund_id, investor_id),
  FOREIGN KEY (tenant_id, fund_id) REFERENCES funds (tenant_id, fund_id),
  FOREIGN KEY (tenant_id, investor_id) REFERENCES investors (tenant_id, investor_id)
);

-- A capital call or a distribution of `total`, posted to the ledger by `journal_id`.
CREATE TABLE fund_events (
  tenant_id  text          NOT NULL,
  event_id   bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fund_id    bigint        NOT NULL,
  kind       text          NOT NULL CHECK (kind IN ('call', 'distribution')),
  total      numeric(20,2) NOT NULL CHECK (total > 0),
  event_date date          NOT NULL,
  journal_id bigint        NOT NULL,
  mutation_id text         NOT NULL,
  UNIQUE (tenant_id, event_id),
  FOREIGN KEY (tenant_id, fund_id) REFERENCES funds (tenant_id, fund_id)
);

CREATE TABLE fund_event_parts (
  tenant_id   text          NOT NULL,
  event_id    bigint        NOT NULL,
  investor_id bigint        NOT NULL,
  commitment  numeric(20,2) NOT NULL CHECK (commitment > 0),
  amount      numeric(20,2) NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (event_id, investor_id),
  FOREIGN KEY (tenant_id, event_id) REFERENCES fund_events (tenant_id, event_id),
  FOREIGN KEY (tenant_id, investor_id) REFERENCES investors (tenant_id, investor_id)
);

-- Calls and distributions are final: a correction is a new event.
CREATE TRIGGER fund_events_no_update_delete BEFORE UPDATE OR DELETE ON fund_events
  FOR EACH ROW EXECUTE FUNCTION verdict_append_only();
CREATE TRIGGER fund_events_no_truncate BEFORE TRUNCATE ON fund_events
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_append_only();
CREATE TRIGGER fund_event_parts_no_update_delete BEFORE UPDATE OR DELETE ON fund_event_parts
  FOR EACH ROW EXECUTE FUNCTION verdict_append_only();
CREATE TRIGGER fund_event_parts_no_truncate BEFORE TRUNCATE ON fund_event_parts
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_append_only();

SELECT verdict_tenant_wall(t)
  FROM unnest(ARRAY['funds', 'investors', 'commitments', 'fund_events', 'fund_event_parts']::regclass[]) t;

INSERT INTO permissions VALUES
  ('funds.manage', 'add funds, investors and commitments'),
  ('funds.move', 'call capital and distribute');
INSERT INTO roles VALUES ('fund_manager', 'funds: investors, commitments, calls and distributions');
INSERT INTO role_permissions
  SELECT r, p FROM unnest(ARRAY['admin', 'fund_manager']) r, unnest(ARRAY['funds.manage', 'funds.move']) p;

REVOKE ALL ON funds, investors, commitments, fund_events, fund_event_parts FROM PUBLIC;
GRANT SELECT, INSERT ON funds, investors, commitments, fund_events, fund_event_parts TO verdict_app;
