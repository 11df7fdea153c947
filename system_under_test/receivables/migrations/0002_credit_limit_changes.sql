-- 0002 receivables: a customer's credit limit may change (receivables.set_credit_limit), and an
-- order's acceptance locks the customer row (FOR UPDATE) to take its credit decision: the
-- application role may update that one column, nothing else of a customer.
GRANT UPDATE (credit_limit) ON customers TO verdict_app;
