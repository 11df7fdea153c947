-- 0001 orders: price rules, orders and their lines, shipments (docs/MONEY.md "Orders and pricing").
-- An order is a draft until accepted; acceptance fixes each line's price, checks credit under the
-- customer's row lock and stores what it checked, and reserves the stock (inventory's reservations,
-- owner 'orders.line'). Shipments move reserved stock out and invoice what they shipped.

-- A price for a product: for one customer or for all (customer_id NULL), from a quantity up
-- (min_qty), within dates (either end open). Priority: docs/MONEY.md "Price rules".
CREATE TABLE price_rules (
  tenant_id   text          NOT NULL,
  rule_id     bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id  bigint        NOT NULL,
  customer_id bigint,
  min_qty     numeric(20,4) NOT NULL DEFAULT 0 CHECK (min_qty >= 0),
  valid_from  date,
  valid_to    date,
  unit_price  numeric(20,4) NOT NULL CHECK (unit_price > 0),
  created_at  timestamptz   NOT NULL,
  CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to),
  UNIQUE (tenant_id, rule_id),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, product_id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, customer_id)
);
CREATE INDEX price_rules_by_product ON price_rules (product_id);

CREATE TABLE orders (
  tenant_id       text          NOT NULL,
  order_id        bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number          text          NOT NULL CHECK (length(number) BETWEEN 1 AND 32),
  customer_id     bigint        NOT NULL,
  ordered_on      date          NOT NULL,
  status          text          NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'accepted', 'closed', 'cancelled')),
  -- What acceptance checked (NULL until then): the order's value, the customer's limit (NULL: no
  -- limit) and exposure before it, and whether an override let it past the limit.
  accepted_on     date,
  value           numeric(20,2),
  credit_limit    numeric(20,2),
  exposure        numeric(20,2),
  credit_override boolean       NOT NULL DEFAULT false,
  version         bigint        NOT NULL DEFAULT 0,
  CONSTRAINT orders_number_unique UNIQUE (tenant_id, number),
  UNIQUE (tenant_id, order_id),
  CHECK ((status = 'draft') = (accepted_on IS NULL) OR status = 'cancelled'),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, customer_id)
);
CREATE INDEX orders_by_customer ON orders (customer_id) WHERE status = 'accepted';

CREATE TABLE order_lines (
  tenant_id     text          NOT NULL,
  line_id       bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id      bigint        NOT NULL,
  line_no       integer       NOT NULL CHECK (line_no >= 1),
  product_id    bigint        NOT NULL,
  qty           numeric(20,4) NOT NULL CHECK (qty > 0),
  given_price   numeric(20,4) CHECK (given_price > 0),
  unit_price    numeric(20,4) CHECK (unit_price > 0),  -- fixed at acceptance
  price_rule_id bigint,
  amount        numeric(20,2),                         -- round(qty × unit_price, 2), at acceptance
  shipped       numeric(20,4) NOT NULL DEFAULT 0 CHECK (shipped >= 0),
  cancelled     numeric(20,4) NOT NULL DEFAULT 0 CHECK (cancelled >= 0),
  CHECK (shipped + cancelled <= qty),
  UNIQUE (order_id, line_no),
  FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, product_id),
  FOREIGN KEY (price_rule_id) REFERENCES price_rules (rule_id)
);
CREATE INDEX order_lines_by_order ON order_lines (order_id, line_no);

CREATE TABLE shipments (
  tenant_id   text   NOT NULL,
  shipment_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id    bigint NOT NULL,
  invoice_id  bigint NOT NULL,
  shipped_on  date   NOT NULL,
  FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id),
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, invoice_id)
);

SELECT verdict_tenant_wall(t)
FROM unnest(ARRAY['price_rules', 'orders', 'order_lines', 'shipments']::regclass[]) t;

INSERT INTO permissions VALUES
  ('orders.price', 'set price rules'),
  ('orders.manage', 'create, accept, ship and cancel orders'),
  ('orders.override_credit', 'accept an order past the customer''s credit limit');
INSERT INTO roles VALUES ('sales', 'orders: price rules, orders, shipments');
INSERT INTO role_permissions
  SELECT r, p FROM unnest(ARRAY['admin', 'sales']) r, unnest(ARRAY['orders.price', 'orders.manage']) p;
INSERT INTO role_permissions VALUES ('admin', 'orders.override_credit');

REVOKE ALL ON price_rules, orders, order_lines, shipments FROM PUBLIC;
GRANT SELECT, INSERT ON price_rules, shipments TO verdict_app;
GRANT SELECT, INSERT, UPDATE ON orders, order_lines TO verdict_app;
