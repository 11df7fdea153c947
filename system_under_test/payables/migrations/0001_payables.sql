-- 0001 payables (docs/MONEY.md "Payables"), the mirror of receivables: vendors, bills built from
-- stock receipts (each receipt billed at most once), vendor payments, and the allocations of
-- payments to bills. Documents are final: amount_due and unallocated are the projections, moved
-- with each allocation in one transaction.

CREATE TABLE vendors (
  tenant_id  text        NOT NULL,
  vendor_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code       text        NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
  name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL,
  UNIQUE (tenant_id, code),
  UNIQUE (tenant_id, vendor_id)
);

-- A vendor's bill: its number is the vendor's own, unique per vendor.
CREATE TABLE bills (
  tenant_id  text          NOT NULL,
  bill_id    bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vendor_id  bigint        NOT NULL,
  number     text          NOT NULL CHECK (length(number) BETWEEN 1 AND 32),
  dated      date          NOT NULL,
  total      numeric(20,2) NOT NULL CHECK (total > 0),
  amount_due numeric(20,2) NOT NULL CHECK (amount_due >= 0 AND amount_due <= total),
  journal_id bigint        NOT NULL,
  version    bigint        NOT NULL DEFAULT 0,
  CONSTRAINT bills_number_unique UNIQUE (tenant_id, vendor_id, number),
  UNIQUE (tenant_id, bill_id),
  FOREIGN KEY (tenant_id, vendor_id) REFERENCES vendors (tenant_id, vendor_id)
);

-- A bill's line is one receipt at its batch's unit cost: amount = round(qty × unit_cost, 2), what
-- the receipt put into goods received not invoiced. A receipt is billed once, by the database too.
CREATE TABLE bill_lines (
  tenant_id   text          NOT NULL,
  bill_id     bigint        NOT NULL,
  line_no     integer       NOT NULL,
  movement_id bigint        NOT NULL,
  qty         numeric(20,4) NOT NULL CHECK (qty > 0),
  unit_cost   numeric(20,4) NOT NULL CHECK (unit_cost >= 0),
  amount      numeric(20,2) NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (bill_id, line_no),
  CONSTRAINT bill_lines_receipt_once UNIQUE (movement_id),
  FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, bill_id),
  FOREIGN KEY (tenant_id, movement_id) REFERENCES movements (tenant_id, movement_id)
);

-- A payment to a vendor, of which `unallocated` is not yet applied to a bill (an advance the
-- vendor holds). A reversed payment has nothing unallocated.
CREATE TABLE vendor_payments (
  tenant_id   text          NOT NULL,
  payment_id  bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vendor_id   bigint        NOT NULL,
  amount      numeric(20,2) NOT NULL CHECK (amount > 0),
  unallocated numeric(20,2) NOT NULL CHECK (unallocated >= 0 AND unallocated <= amount),
  dated       date          NOT NULL,
  reversed    boolean       NOT NULL DEFAULT false,
  journal_id  bigint        NOT NULL,
  version     bigint        NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, payment_id),
  FOREIGN KEY (tenant_id, vendor_id) REFERENCES vendors (tenant_id, vendor_id)
);

-- An amount of a payment applied to a bill. journal_id: the application's own journal (NULL when
-- allocated by the payment itself, whose journal covers it). Reversed with its payment.
CREATE TABLE vendor_allocations (
  tenant_id     text          NOT NULL,
  allocation_id bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bill_id       bigint        NOT NULL,
  payment_id    bigint        NOT NULL,
  amount        numeric(20,2) NOT NULL CHECK (amount > 0),
  reversed      boolean       NOT NULL DEFAULT false,
  journal_id    bigint,
  FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, bill_id),
  FOREIGN KEY (tenant_id, payment_id) REFERENCES vendor_payments (tenant_id, payment_id)
);
CREATE INDEX vendor_allocations_by_bill ON vendor_allocations (bill_id);
CREATE INDEX vendor_allocations_by_payment ON vendor_allocations (payment_id);

SELECT verdict_tenant_wall(t) FROM unnest(ARRAY['vendors', 'bills', 'bill_lines', 'vendor_payments',
                                                'vendor_allocations']::regclass[]) t;

INSERT INTO permissions VALUES
  ('payables.manage', 'add vendors'),
  ('payables.bill', 'enter vendor bills'),
  ('payables.pay', 'pay vendors, apply and reverse vendor payments');
INSERT INTO roles VALUES ('purchaser', 'payables: vendors, bills, vendor payments');
INSERT INTO role_permissions
  SELECT r, p FROM unnest(ARRAY['admin', 'purchaser']) r,
                   unnest(ARRAY['payables.manage', 'payables.bill', 'payables.pay']) p;

REVOKE ALL ON vendors, bills, bill_lines, vendor_payments, vendor_allocations FROM PUBLIC;
GRANT SELECT, INSERT ON vendors, bill_lines TO verdict_app;
GRANT SELECT, INSERT, UPDATE ON bills, vendor_payments, vendor_allocations TO verdict_app;
