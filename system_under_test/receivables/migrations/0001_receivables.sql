-- 0001 receivables: customers, invoices and their lines, payments, credit memos, and the allocations
-- of payments and credit memos to invoices (docs/MONEY.md "Receivables"). Documents are final:
-- amount_due and unallocated are the projections, moved with each allocation in one transaction.

CREATE TABLE customers (
  tenant_id    text          NOT NULL,
  customer_id  bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code         text          NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
  name         text          NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  credit_limit numeric(20,2) CHECK (credit_limit >= 0),  -- NULL: no limit; 0: no credit
  created_at   timestamptz   NOT NULL,
  UNIQUE (tenant_id, code),
  UNIQUE (tenant_id, customer_id)
);

CREATE TABLE invoices (
  tenant_id   text          NOT NULL,
  invoice_id  bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint        NOT NULL,
  number      text          NOT NULL CHECK (length(number) BETWEEN 1 AND 32),
  issued_on   date          NOT NULL,
  total       numeric(20,2) NOT NULL CHECK (total > 0),
  amount_due  numeric(20,2) NOT NULL CHECK (amount_due >= 0 AND amount_due <= total),
  journal_id  bigint        NOT NULL,
  version     bigint        NOT NULL DEFAULT 0,
  CONSTRAINT invoices_number_unique UNIQUE (tenant_id, number),
  UNIQUE (tenant_id, invoice_id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, customer_id)
);

CREATE TABLE invoice_lines (
  tenant_id   text          NOT NULL,
  invoice_id  bigint        NOT NULL,
  line_no     integer       NOT NULL,
  description text          NOT NULL,
  qty         numeric(20,4) NOT NULL CHECK (qty > 0),
  unit_price  numeric(20,4) NOT NULL CHECK (unit_price > 0),
  amount      numeric(20,2) NOT NULL CHECK (amount > 0),
  PRIMARY KEY (invoice_id, line_no),
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, invoice_id)
);

-- A payment received, or a credit memo issued: a credit of `amount` to the customer, of which
-- `unallocated` is not yet applied to an invoice. A reversed payment has nothing unallocated.
CREATE TABLE credits (
  tenant_id   text          NOT NULL,
  credit_id   bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text          NOT NULL CHECK (kind IN ('payment', 'credit_memo')),
  customer_id bigint        NOT NULL,
  number      text,
  amount      numeric(20,2) NOT NULL CHECK (amount > 0),
  unallocated numeric(20,2) NOT NULL CHECK (unallocated >= 0 AND unallocated <= amount),
  dated       date          NOT NULL,
  expires_on  date,
  reversed    boolean       NOT NULL DEFAULT false,
  journal_id  bigint        NOT NULL,
  version     bigint        NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, credit_id),
  CONSTRAINT credit_memos_number_unique UNIQUE (tenant_id, kind, number),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, customer_id)
);

-- An amount of a credit applied to an invoice; a write-off is an allocation without a credit. A
-- reversed payment's allocations are marked reversed (the invoice is due again).
CREATE TABLE allocations (
  tenant_id     text          NOT NULL,
  allocation_id bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id    bigint        NOT NULL,
  credit_id     bigint,
  kind          text          NOT NULL CHECK (kind IN ('credit', 'write_off')),
  amount        numeric(20,2) NOT NULL CHECK (amount > 0),
  reversed      boolean       NOT NULL DEFAULT false,
  journal_id    bigint,
  CHECK ((kind = 'credit') = (credit_id IS NOT NULL)),
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, invoice_id),
  FOREIGN KEY (tenant_id, credit_id) REFERENCES credits (tenant_id, credit_id)
);
CREATE INDEX allocations_by_invoice ON allocations (invoice_id);
CREATE INDEX allocations_by_credit ON allocations (credit_id);

SELECT verdict_tenant_wall(t) FROM unnest(ARRAY['customers', 'invoices', 'invoice_lines', 'credits',
                                                'allocations']::regclass[]) t;

INSERT INTO permissions VALUES
  ('receivables.manage', 'add customers'),
  ('receivables.bill', 'issue invoices and credit memos, write off'),
  ('receivables.collect', 'record, apply and reverse payments');
INSERT INTO roles VALUES ('accountant', 'receivables: customers, invoices, payments, credits');
INSERT INTO role_permissions
  SELECT r, p FROM unnest(ARRAY['admin', 'accountant']) r,
                   unnest(ARRAY['receivables.manage', 'receivables.bill', 'receivables.collect']) p;

REVOKE ALL ON customers, invoices, invoice_lines, credits, allocations FROM PUBLIC;
GRANT SELECT, INSERT ON customers, invoice_lines TO verdict_app;
GRANT SELECT, INSERT, UPDATE ON invoices, credits, allocations TO verdict_app;
