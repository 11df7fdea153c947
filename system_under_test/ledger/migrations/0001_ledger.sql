-- 0001 ledger: the chart of accounts, fiscal periods, journals and their lines (the truth) and the
-- account balances (the projection). docs/MONEY.md is the contract. Amounts NUMERIC(20,2), running
-- balances NUMERIC(22,2) (debits − credits). The database refuses, for every role and path: an
-- unbalanced journal (VR010, at commit), a journal dated in a locked period (VR011), a line added to
-- a journal of another transaction (VR001, as a change to a posted journal), and any change to a posted journal or line (VR001).

CREATE TABLE accounts (
  tenant_id       text        NOT NULL,
  account_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code            text        NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
  name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type            text        NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
  role            text        CHECK (role IN ('cash', 'receivables', 'inventory', 'payables', 'inventory_clearing',
                                              'customer_credit', 'fund_capital', 'revenue', 'cogs',
                                              'inventory_adjustments')),
  forbid_negative boolean     NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL,
  UNIQUE (tenant_id, code),
  UNIQUE (tenant_id, role),
  UNIQUE (tenant_id, account_id)
);

-- The projection: each account's balance, debits − credits, equal to the balance_after of its latest line.
CREATE TABLE account_balances (
  tenant_id  text          NOT NULL,
  account_id bigint        PRIMARY KEY,
  balance    numeric(22,2) NOT NULL DEFAULT 0,
  version    bigint        NOT NULL DEFAULT 0,
  FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, account_id)
);
CREATE INDEX account_balances_by_tenant ON account_balances (tenant_id);

CREATE SEQUENCE posting_seq;

-- A calendar month of posting dates. lock_seq: posting_seq's value when it was locked (every journal
-- posted before holds a smaller number).
CREATE TABLE periods (
  tenant_id  text        NOT NULL,
  period_id  bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  period     text        NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  status     text        NOT NULL CHECK (status IN ('open', 'locked')),
  lock_seq   bigint,
  changed_by text,
  changed_at timestamptz,
  PRIMARY KEY (tenant_id, period),
  CHECK ((status = 'locked') = (lock_seq IS NOT NULL))
);

CREATE TABLE journals (
  tenant_id           text        NOT NULL,
  journal_id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  posted_on           date        NOT NULL,
  period              text        NOT NULL,
  memo                text,
  source              text        NOT NULL,
  source_id           bigint,
  reverses_journal_id bigint,
  posting_seq         bigint      NOT NULL,
  content_hash        bytea       NOT NULL,
  created_xact        xid8        NOT NULL,
  mutation_id         text        NOT NULL,
  actor               text        NOT NULL,
  as_of               timestamptz NOT NULL,
  UNIQUE (tenant_id, journal_id),
  CONSTRAINT journals_reversed_once UNIQUE (reverses_journal_id),
  CHECK (period = to_char(posted_on, 'YYYY-MM')),
  FOREIGN KEY (tenant_id, reverses_journal_id) REFERENCES journals (tenant_id, journal_id),
  FOREIGN KEY (tenant_id, period) REFERENCES periods (tenant_id, period)
);
CREATE INDEX journals_by_period ON journals (tenant_id, period, posting_seq);
CREATE INDEX journals_by_source ON journals (source, source_id) WHERE source_id IS NOT NULL;

-- line_id orders an account's lines; balance_after is the account's balance after the line, so a
-- new line is checked against its predecessor in O(1) (INV-LEDGER-006).
CREATE TABLE journal_lines (
  tenant_id     text          NOT NULL,
  journal_id    bigint        NOT NULL,
  line_no       integer       NOT NULL CHECK (line_no >= 1),
  line_id       bigint        GENERATED ALWAYS AS IDENTITY UNIQUE,
  account_id    bigint        NOT NULL,
  debit         numeric(20,2) NOT NULL CHECK (debit >= 0),
  credit        numeric(20,2) NOT NULL CHECK (credit >= 0),
  balance_after numeric(22,2) NOT NULL,
  PRIMARY KEY (journal_id, line_no),
  CHECK ((debit = 0) <> (credit = 0)),
  FOREIGN KEY (tenant_id, journal_id) REFERENCES journals (tenant_id, journal_id),
  FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, account_id)
);
CREATE INDEX journal_lines_by_account ON journal_lines (account_id, line_id);

-- The content a journal's hash covers: its date, what it reverses, and its lines in order.
CREATE FUNCTION ledger_content_hash(posted_on date, reverses bigint, accounts bigint[], debits numeric[],
                                    credits numeric[]) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(convert_to(concat_ws('|', posted_on::text, coalesce(reverses::text, '-'),
                                     array_to_string(accounts, ','), array_to_string(debits, ','),
                                     array_to_string(credits, ',')), 'UTF8'))
$$;

-- Before a journal is written: its period must be open, under a share lock held to commit (a lock of
-- the period waits for this transaction, and this one for a lock in progress); then it draws its
-- posting number and is marked with its transaction.
CREATE FUNCTION ledger_journal_admission() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM periods WHERE tenant_id = NEW.tenant_id AND period = NEW.period AND status = 'open' FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'period % is locked (or does not exist): journal dated % refused', NEW.period, NEW.posted_on
      USING ERRCODE = 'VR011';
  END IF;
  NEW.posting_seq := nextval('posting_seq');
  NEW.created_xact := pg_current_xact_id();
  RETURN NEW;
END $$;
CREATE TRIGGER journals_admission BEFORE INSERT ON journals FOR EACH ROW EXECUTE FUNCTION ledger_journal_admission();

-- Lines join their journal in the transaction that created it, never later.
CREATE FUNCTION ledger_line_admission() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM journals WHERE journal_id = NEW.journal_id AND created_xact = pg_current_xact_id();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'journal % was posted by another transaction: lines cannot be added', NEW.journal_id
      USING ERRCODE = 'VR001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER journal_lines_admission BEFORE INSERT ON journal_lines
  FOR EACH ROW EXECUTE FUNCTION ledger_line_admission();

-- At commit: every journal written has at least two lines and Σ debits = Σ credits. Runs as the
-- owner (it must see the journal whatever the session's tenant setting says by then).
CREATE FUNCTION ledger_journal_balanced() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public AS $$
DECLARE
  debits  numeric;
  credits numeric;
  lines   integer;
BEGIN
  SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0), count(*) INTO debits, credits, lines
    FROM journal_lines WHERE journal_id = NEW.journal_id;
  IF lines < 2 OR debits <> credits THEN
    RAISE EXCEPTION 'journal % does not balance: debits %, credits %, % line(s)', NEW.journal_id, debits, credits, lines
      USING ERRCODE = 'VR010';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER journals_balanced AFTER INSERT ON journals DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_journal_balanced();
CREATE CONSTRAINT TRIGGER journal_lines_balanced AFTER INSERT ON journal_lines DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_journal_balanced();

-- Posted is final, for every role.
CREATE TRIGGER journals_no_update_delete BEFORE UPDATE OR DELETE ON journals
  FOR EACH ROW EXECUTE FUNCTION verdict_append_only();
CREATE TRIGGER journals_no_truncate BEFORE TRUNCATE ON journals
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_append_only();
CREATE TRIGGER journal_lines_no_update_delete BEFORE UPDATE OR DELETE ON journal_lines
  FOR EACH ROW EXECUTE FUNCTION verdict_append_only();
CREATE TRIGGER journal_lines_no_truncate BEFORE TRUNCATE ON journal_lines
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_append_only();

SELECT verdict_tenant_wall(t)
  FROM unnest(ARRAY['accounts', 'account_balances', 'periods', 'journals', 'journal_lines']::regclass[]) t;

INSERT INTO permissions VALUES
  ('ledger.manage', 'add accounts to the chart'),
  ('ledger.post', 'post and reverse manual journals'),
  ('ledger.period_lock', 'lock and unlock fiscal periods');
INSERT INTO roles VALUES ('controller', 'the books: accounts, manual journals, period locks');
INSERT INTO role_permissions
  SELECT r, p FROM unnest(ARRAY['admin', 'controller']) r,
                   unnest(ARRAY['ledger.manage', 'ledger.post', 'ledger.period_lock']) p;

REVOKE ALL ON accounts, account_balances, periods, journals, journal_lines FROM PUBLIC;
GRANT SELECT, INSERT ON accounts TO verdict_app;
GRANT SELECT, INSERT, UPDATE ON account_balances, periods TO verdict_app;
GRANT SELECT, INSERT ON journals, journal_lines TO verdict_app;
GRANT USAGE ON SEQUENCE posting_seq TO verdict_app;
