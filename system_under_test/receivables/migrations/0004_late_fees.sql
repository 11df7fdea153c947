-- 0004 receivables: an invoice may have a due date; one late fee per overdue invoice, itself an
-- invoice that names the invoice it charges (fee_for, unique: a second fee is refused by the
-- database too).
ALTER TABLE invoices ADD COLUMN due_on date;
ALTER TABLE invoices ADD COLUMN fee_for bigint;
ALTER TABLE invoices ADD CONSTRAINT invoices_one_fee UNIQUE (fee_for);
ALTER TABLE invoices ADD CONSTRAINT invoices_fee_for_fk FOREIGN KEY (tenant_id, fee_for) REFERENCES invoices (tenant_id, invoice_id);
