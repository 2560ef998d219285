-- Lotwise schema. Safe to run any number of times: every statement is idempotent.
-- Money and quantities are NUMERIC without a fixed scale, so PostgreSQL stores exactly what the
-- lot engine computed; the CHECKs bound them to the api's limits (20 integer, 18 fractional digits).

CREATE TABLE IF NOT EXISTS trades (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account         VARCHAR(64)  NOT NULL CHECK (account ~ '^[A-Za-z0-9_-]{1,64}$'),
  symbol          VARCHAR(16)  NOT NULL CHECK (symbol ~ '^[A-Z0-9.-]{1,16}$'),
  qty             NUMERIC      NOT NULL CHECK (qty <> 0 AND scale(qty) <= 18 AND abs(qty) < 1e20),
  price           NUMERIC      NOT NULL CHECK (price > 0 AND scale(price) <= 18 AND price < 1e20),
  executed_at     TIMESTAMPTZ  NOT NULL,
  received_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
  status          VARCHAR(10)  NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPLIED', 'REJECTED')),
  reject_reason   TEXT,
  settled_at      TIMESTAMPTZ,
  client_trade_id VARCHAR(128),
  -- Fingerprint of the request as sent, so a retried clientTradeId can be told from a conflicting one.
  request_hash    CHAR(64),
  CONSTRAINT trades_reason_iff_rejected CHECK ((status = 'REJECTED') = (reject_reason IS NOT NULL)),
  CONSTRAINT trades_settled_iff_final CHECK ((status = 'PENDING') = (settled_at IS NULL)),
  CONSTRAINT trades_client_id_has_hash CHECK (client_trade_id IS NULL OR request_hash IS NOT NULL)
);
CREATE UNIQUE INDEX IF NOT EXISTS trades_account_client_trade_id
  ON trades (account, client_trade_id) WHERE client_trade_id IS NOT NULL;
-- History listing: newest first, optionally by account/symbol/status.
CREATE INDEX IF NOT EXISTS trades_account_id ON trades (account, id DESC);
-- Replay of one position's applied history in execution order.
CREATE INDEX IF NOT EXISTS trades_position_execution
  ON trades (account, symbol, executed_at, id) WHERE status = 'APPLIED';

-- One row per account+symbol: the row the matcher locks to serialise a position's trades, and the
-- high-water mark that tells an in-order trade from a backdated one.
CREATE TABLE IF NOT EXISTS positions (
  account               VARCHAR(64) NOT NULL,
  symbol                VARCHAR(16) NOT NULL,
  open_qty              NUMERIC     NOT NULL DEFAULT 0 CHECK (open_qty >= 0),
  -- Σ remaining_qty × price over the open lots, kept by the matcher so reads need not sum the lots.
  open_cost             NUMERIC     NOT NULL DEFAULT 0 CHECK (open_cost >= 0),
  -- Σ and count of the position's realized_pnl entries, kept by the matcher so P&L totals need not sum them.
  realized_pnl          NUMERIC     NOT NULL DEFAULT 0,
  realized_entries      BIGINT      NOT NULL DEFAULT 0 CHECK (realized_entries >= 0),
  last_executed_at      TIMESTAMPTZ,
  last_trade_id         BIGINT REFERENCES trades (id),
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (account, symbol)
);

-- Books created before these columns existed: add them and fill them from the lots and entries once.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'positions' AND column_name = 'open_cost') THEN
    ALTER TABLE positions ADD COLUMN open_cost NUMERIC NOT NULL DEFAULT 0 CHECK (open_cost >= 0);
    UPDATE positions p SET open_cost = COALESCE((SELECT SUM(l.remaining_qty * l.price) FROM lots l
      WHERE l.account = p.account AND l.symbol = p.symbol AND l.remaining_qty > 0), 0);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'positions' AND column_name = 'realized_pnl') THEN
    ALTER TABLE positions ADD COLUMN realized_pnl NUMERIC NOT NULL DEFAULT 0,
      ADD COLUMN realized_entries BIGINT NOT NULL DEFAULT 0 CHECK (realized_entries >= 0);
    UPDATE positions p SET (realized_pnl, realized_entries) = (SELECT COALESCE(SUM(e.realized_pnl), 0), count(*)
      FROM realized_pnl e WHERE e.account = p.account AND e.symbol = p.symbol);
  END IF;
END $$;

CREATE TABLE IF NOT EXISTS lots (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account       VARCHAR(64) NOT NULL DEFAULT 'default',
  symbol        VARCHAR(16) NOT NULL,
  trade_id      BIGINT      NOT NULL UNIQUE REFERENCES trades (id),
  qty           NUMERIC     NOT NULL CHECK (qty > 0),
  remaining_qty NUMERIC     NOT NULL CHECK (remaining_qty >= 0 AND remaining_qty <= qty),
  price         NUMERIC     NOT NULL CHECK (price > 0),
  -- FIFO order basis: the buy's execution time, ties broken by trade id (arrival order).
  executed_at   TIMESTAMPTZ NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Finds a position's open lots in FIFO order without touching closed ones.
CREATE INDEX IF NOT EXISTS lots_open_fifo
  ON lots (account, symbol, executed_at, trade_id) WHERE remaining_qty > 0;

CREATE TABLE IF NOT EXISTS realized_pnl (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account       VARCHAR(64) NOT NULL DEFAULT 'default',
  symbol        VARCHAR(16) NOT NULL,
  qty           NUMERIC     NOT NULL CHECK (qty > 0),
  buy_price     NUMERIC     NOT NULL CHECK (buy_price > 0),
  sell_price    NUMERIC     NOT NULL CHECK (sell_price > 0),
  realized_pnl  NUMERIC     NOT NULL,
  lot_id        BIGINT      NOT NULL REFERENCES lots (id),
  sell_trade_id BIGINT      NOT NULL REFERENCES trades (id),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- The books are exact, so the database can hold the matcher to the formula.
  CONSTRAINT realized_pnl_formula CHECK (realized_pnl = (sell_price - buy_price) * qty),
  -- A sell consumes a lot at most once: a replayed event cannot count twice.
  CONSTRAINT realized_pnl_once_per_lot UNIQUE (sell_trade_id, lot_id)
);
CREATE INDEX IF NOT EXISTS realized_pnl_account_symbol ON realized_pnl (account, symbol, id);
CREATE INDEX IF NOT EXISTS realized_pnl_lot ON realized_pnl (lot_id);

-- Transactional outbox: written in the same transaction as the trade, drained to Kafka by the api's relay.
CREATE TABLE IF NOT EXISTS outbox (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic        VARCHAR(255) NOT NULL,
  message_key  VARCHAR(255) NOT NULL,
  payload      JSONB        NOT NULL,
  created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
  published_at TIMESTAMPTZ,
  attempts     INTEGER      NOT NULL DEFAULT 0,
  last_error   TEXT
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
