-- 0003 ledger: a control account for sales tax collected on invoices (docs/MONEY.md "Tax"). Tenants
-- that exist already get it.

ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
  CHECK (role IN ('cash', 'receivables', 'inventory', 'payables', 'inventory_clearing', 'customer_credit',
                  'fund_capital', 'revenue', 'cogs', 'inventory_adjustments', 'bad_debts', 'tax_payable'));

WITH a AS (
  INSERT INTO accounts (tenant_id, code, name, type, role, created_at)
  SELECT tenant_id, '2300', 'Sales tax payable', 'liability', 'tax_payable', created_at FROM tenants
  ON CONFLICT DO NOTHING RETURNING tenant_id, account_id)
INSERT INTO account_balances (tenant_id, account_id) SELECT tenant_id, account_id FROM a;
