-- 0004 ledger: a control account for what vendors hold of our money (payables: a payment beyond
-- the bills it settles, docs/MONEY.md "Payables"). Tenants that exist already get it.

ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
  CHECK (role IN ('cash', 'receivables', 'inventory', 'payables', 'inventory_clearing', 'customer_credit',
                  'fund_capital', 'revenue', 'cogs', 'inventory_adjustments', 'bad_debts', 'tax_payable',
                  'vendor_advances'));

WITH a AS (
  INSERT INTO accounts (tenant_id, code, name, type, role, created_at)
  SELECT tenant_id, '1400', 'Vendor advances', 'asset', 'vendor_advances', created_at FROM tenants
  ON CONFLICT DO NOTHING RETURNING tenant_id, account_id)
INSERT INTO account_balances (tenant_id, account_id) SELECT tenant_id, account_id FROM a;
