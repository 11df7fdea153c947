-- 0002 inventory: batch expiry, discontinued products, and reservations (docs/MONEY.md "Orders").
-- Stock reserved for an order stays on hand until it ships; what a plain movement may take out is
-- on_hand.qty - on_hand.reserved (available). The database refuses a slot whose reservations exceed
-- its stock; the reservations themselves are the truth behind on_hand.reserved (INV-STOCK-012).

ALTER TABLE batches ADD COLUMN expires_on date;  -- NULL: never expires
ALTER TABLE products ADD COLUMN discontinued boolean NOT NULL DEFAULT false;
ALTER TABLE on_hand ADD COLUMN reserved numeric(20,4) NOT NULL DEFAULT 0;
ALTER TABLE on_hand ADD CONSTRAINT on_hand_reserved_within CHECK (reserved >= 0 AND reserved <= qty);

-- A quantity of one slot held for an owner (e.g. an order line: owner 'orders.line', owner_id its
-- id). remaining is what is still held: it falls as the owner ships and drops to 0 on release.
CREATE TABLE reservations (
  tenant_id      text          NOT NULL,
  reservation_id bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id       bigint        NOT NULL,
  location_id    bigint        NOT NULL,
  owner          text          NOT NULL CHECK (length(owner) BETWEEN 1 AND 64),
  owner_id       bigint        NOT NULL,
  qty            numeric(20,4) NOT NULL CHECK (qty > 0),
  remaining      numeric(20,4) NOT NULL CHECK (remaining >= 0 AND remaining <= qty),
  FOREIGN KEY (batch_id, location_id) REFERENCES on_hand (batch_id, location_id),
  FOREIGN KEY (tenant_id, batch_id) REFERENCES batches (tenant_id, batch_id)
);
CREATE INDEX reservations_by_owner ON reservations (owner, owner_id, reservation_id);
CREATE INDEX reservations_by_slot ON reservations (batch_id, location_id);

SELECT verdict_tenant_wall('reservations');

REVOKE ALL ON reservations FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON reservations TO verdict_app;
