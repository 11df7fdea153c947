-- 0003 receivables: tax per invoice line (docs/MONEY.md "Tax"): a line's tax is round(amount × rate,
-- 2), the invoice's total the sum of its lines' amounts and taxes.
ALTER TABLE invoice_lines ADD COLUMN tax_rate numeric(20,4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate <= 1);
ALTER TABLE invoice_lines ADD COLUMN tax numeric(20,2) NOT NULL DEFAULT 0 CHECK (tax >= 0);
