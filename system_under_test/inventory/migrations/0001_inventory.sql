-- 0001 inventory: products, locations, batches, the movement journal (truth) and on_hand (projection).
-- Every table carries tenant_id behind the tenant wall (access's verdict_tenant_wall). Quantities
-- are NUMERIC(20,4); unit costs NUMERIC(20,4). Business time comes from the command (as_of /
-- created_at): no now() in business SQL.

CREATE TABLE products (
  tenant_id  text        NOT NULL,
  product_id bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku        text        NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
  name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  version    bigint      NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  UNIQUE (tenant_id, sku),
  UNIQUE (tenant_id, product_id)
);

CREATE TABLE locations (
  tenant_id   text        NOT NULL,
  location_id bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text        NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
  created_at  timestamptz NOT NULL,
  UNIQUE (tenant_id, code),
  UNIQUE (tenant_id, location_id)
);

CREATE TABLE batches (
  tenant_id  text          NOT NULL,
  batch_id   bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id bigint        NOT NULL,
  code       text          NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
  unit_cost  numeric(20,4) NOT NULL CHECK (unit_cost >= 0),
  created_at timestamptz   NOT NULL,
  UNIQUE (tenant_id, product_id, code),
  UNIQUE (tenant_id, batch_id),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, product_id)
);

CREATE SEQUENCE transfer_ids;

-- The journal. qty is the signed change of on-hand stock at (batch, location); balance_after is the
-- slot's on-hand after this movement (its running balance), so a new row is checked against its
-- predecessor in O(1) (INV-STOCK-001) instead of re-summing the slot's history.
CREATE TABLE movements (
  tenant_id            text          NOT NULL,
  movement_id          bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind                 text          NOT NULL
    CHECK (kind IN ('receive', 'fulfill', 'transfer_out', 'transfer_in', 'adjust', 'reversal')),
  batch_id             bigint        NOT NULL,
  location_id          bigint        NOT NULL,
  qty                  numeric(20,4) NOT NULL CHECK (qty <> 0),
  balance_after        numeric(20,4) NOT NULL,
  reason               text,
  transfer_id          bigint,
  reverses_movement_id bigint,
  mutation_id          text          NOT NULL,
  actor                text          NOT NULL,
  as_of                timestamptz   NOT NULL,
  UNIQUE (tenant_id, movement_id),
  -- At most one reversal per movement, enforced by the database.
  CONSTRAINT movements_reversed_once UNIQUE (reverses_movement_id),
  FOREIGN KEY (tenant_id, batch_id) REFERENCES batches (tenant_id, batch_id),
  FOREIGN KEY (tenant_id, location_id) REFERENCES locations (tenant_id, location_id),
  FOREIGN KEY (tenant_id, reverses_movement_id) REFERENCES movements (tenant_id, movement_id)
);
CREATE INDEX movements_by_slot ON movements (batch_id, location_id, movement_id);
CREATE INDEX movements_by_transfer ON movements (transfer_id) WHERE transfer_id IS NOT NULL;

-- Append-only, for every role (the application role also lacks the privileges).
CREATE TRIGGER movements_no_update_delete BEFORE UPDATE OR DELETE ON movements
  FOR EACH ROW EXECUTE FUNCTION verdict_append_only();
CREATE TRIGGER movements_no_truncate BEFORE TRUNCATE ON movements
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_append_only();

-- The projection: on-hand per (batch, location), equal to the sum of its movements.
CREATE TABLE on_hand (
  tenant_id   text          NOT NULL,
  batch_id    bigint        NOT NULL,
  location_id bigint        NOT NULL,
  qty         numeric(20,4) NOT NULL,
  version     bigint        NOT NULL DEFAULT 0,
  PRIMARY KEY (batch_id, location_id),
  CONSTRAINT on_hand_never_negative CHECK (qty >= 0),
  FOREIGN KEY (tenant_id, batch_id) REFERENCES batches (tenant_id, batch_id),
  FOREIGN KEY (tenant_id, location_id) REFERENCES locations (tenant_id, location_id)
);

SELECT verdict_tenant_wall(t) FROM unnest(ARRAY['products', 'locations', 'batches', 'movements', 'on_hand']::regclass[]) t;

-- Permissions the inventory commands declare, and the roles that hold them.
INSERT INTO permissions VALUES
  ('catalog.manage', 'add products and locations'),
  ('inventory.move', 'receive, fulfil and transfer stock'),
  ('inventory.adjust', 'adjust stock with a reason'),
  ('inventory.reverse', 'reverse a movement');
INSERT INTO role_permissions
  SELECT r, p FROM unnest(ARRAY['admin', 'clerk']) r,
                   unnest(ARRAY['catalog.manage', 'inventory.move', 'inventory.adjust', 'inventory.reverse']) p;

-- The application role: DML only, and no UPDATE/DELETE/TRUNCATE on the journal.
REVOKE ALL ON products, locations, batches, movements, on_hand FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON products, locations, batches, on_hand TO verdict_app;
GRANT SELECT, INSERT ON movements TO verdict_app;
GRANT USAGE ON SEQUENCE transfer_ids TO verdict_app;
