-- 0002 ledger: each tenant's currency (one per tenant: docs/MONEY.md), and a control account for bad
-- debts written off by receivables. Tenants that exist already get both.

ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
  CHECK (role IN ('cash', 'receivables', 'inventory', 'payables', 'inventory_clearing', 'customer_credit',
                  'fund_capital', 'revenue', 'cogs', 'inventory_adjustments', 'bad_debts'));

CREATE TABLE books (
  tenant_id text PRIMARY KEY,
  currency  text NOT NULL CHECK (currency ~ '^[A-Z]{3}$')
);
SELECT verdict_tenant_wall('books');
REVOKE ALL ON books FROM PUBLIC;
GRANT SELECT, INSERT ON books TO verdict_app;

INSERT INTO books (tenant_id, currency) SELECT tenant_id, 'USD' FROM tenants ON CONFLICT DO NOTHING;
WITH a AS (
  INSERT INTO accounts (tenant_id, code, name, type, role, created_at)
  SELECT tenant_id, '6900', 'Bad debts', 'expense', 'bad_debts', created_at FROM tenants
  ON CONFLICT DO NOTHING RETURNING tenant_id, account_id)
INSERT INTO account_balances (tenant_id, account_id) SELECT tenant_id, account_id FROM a;
