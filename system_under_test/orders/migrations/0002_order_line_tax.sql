-- 0002 orders: a tax rate per order line (docs/MONEY.md "Tax"), the rule invoices follow. The rate is
-- given when the order is created (none: 0); acceptance fixes the line's tax, round(amount × rate, 2),
-- and the order's value becomes Σ (amount + tax): what its shipments will invoice, and so what the
-- credit check weighs. Orders that exist already are untaxed.

ALTER TABLE order_lines
  ADD COLUMN tax_rate numeric(20,4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate <= 1),
  ADD COLUMN tax      numeric(20,2);  -- round(amount × tax_rate, 2), at acceptance

UPDATE order_lines SET tax = 0 WHERE amount IS NOT NULL;
