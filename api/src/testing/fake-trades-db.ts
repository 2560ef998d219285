import { OutboxEntity, TradeEntity } from '@lotwise/server-data';
import { QueryFailedError } from 'typeorm';
import { POSITION_WRITE_LOCK } from '../app/trades/trade-writer';

export type OutboxRow = Pick<OutboxEntity, 'topic' | 'messageKey' | 'payload'>;

/**
 * The batch statement as the fake understands it: which array parameter fills which column, and that the
 * positions are locked (one by one, in order) before any id is drawn, on the message keys' parameter.
 */
const BATCH_STATEMENT = new RegExp(
  [
    String.raw`^\s*WITH locked AS MATERIALIZED \(\s*SELECT count\(pg_advisory_xact_lock\((\d+), h\)\) AS n`,
    String.raw`\s*FROM \(SELECT DISTINCT hashtext\(k\) AS h FROM unnest\(\$(\d+)::text\[\]\) AS k ORDER BY 1\) keys\s*\),`,
    String.raw`\s*input AS MATERIALIZED \(\s*SELECT nextval\('trades_id_seq'\) AS id, u\.\*\s*FROM locked, \(`,
    String.raw`\s*SELECT \* FROM unnest\(([^)]+)\)\s*WITH ORDINALITY AS r\(([^)]+)\)\s*ORDER BY ord\s*\) u\s*\),`,
    String.raw`\s*t AS \(\s*INSERT INTO trades \(id, ([^)]+)\)\s*OVERRIDING SYSTEM VALUE\s*SELECT id, ([^\n]+?)\s*FROM input ORDER BY ord`,
    String.raw`\s*ON CONFLICT \(account, client_trade_id\) WHERE client_trade_id IS NOT NULL DO NOTHING\s*RETURNING id\s*\),`,
    String.raw`\s*o AS \(\s*INSERT INTO outbox \(topic, message_key, payload\)`,
    String.raw`\s*SELECT i\.topic, i\.message_key, i\.payload \|\| jsonb_build_object\('tradeId', i\.id::text\)`,
    String.raw`\s*FROM input i JOIN t ON t\.id = i\.id ORDER BY i\.ord\s*\)`,
    String.raw`\s*SELECT i\.ord::int AS ord, i\.id::text AS "tradeId" FROM input i JOIN t ON t\.id = i\.id\s*$`,
  ].join(''),
);

const TRADE_COLUMNS: Record<string, keyof TradeEntity> = {
  account: 'account',
  symbol: 'symbol',
  qty: 'qty',
  price: 'price',
  executed_at: 'executedAt',
  received_at: 'receivedAt',
  status: 'status',
  client_trade_id: 'clientTradeId',
  request_hash: 'requestHash',
};

/** What pg raises for a row that violates a CHECK: the SQLSTATE is what the writer looks at. */
export function checkViolation(): Error {
  return Object.assign(new Error('new row for relation "trades" violates check constraint'), {
    code: '23514',
  });
}

interface NewRow {
  trade: Partial<Record<keyof TradeEntity, unknown>>;
  topic: unknown;
  messageKey: unknown;
  payload: unknown;
}

/**
 * An in-memory stand-in for the two tables the api writes on POST /trades. Each statement is atomic, as one
 * PostgreSQL statement is: it writes all its trades and outbox rows, or (on an error) nothing.
 */
export class FakeTradesDatabase {
  readonly trades: TradeEntity[] = [];
  readonly outbox: OutboxRow[] = [];
  /** Every statement that wrote ('insert <ids>'), and 'kick', in the order they happened. */
  readonly timeline: string[] = [];
  /** Every statement sent, with its name (a prepared statement) and parameters. */
  readonly statements: { name: string | undefined; sql: string; params: unknown[] }[] = [];
  /** The message keys each statement locked its positions by, statement by statement. */
  readonly locks: string[][] = [];
  /** Pooled connections taken and not given back. */
  connectionsInUse = 0;
  private nextId = 42;
  /** A concurrent request that commits the given trade just before the next statement inserts. */
  racingTrade: TradeEntity | null = null;
  /** Fails every statement that writes (a lost connection, say). */
  failOutboxInsert: Error | null = null;
  /** A row for which this answers an error fails the statement it is in, as a CHECK would. */
  rowError: (trade: Partial<Record<keyof TradeEntity, unknown>>) => Error | null = () => null;
  /** When set, each statement waits for it before it runs (to hold a batch in flight). */
  gate: Promise<void> | null = null;

  readonly dataSource = {
    getRepository: (entity: unknown) => {
      if (entity !== TradeEntity) throw new Error('only trades are read through a repository');
      return { findOneBy: async (where: Partial<TradeEntity>) => this.findTrade(where) };
    },
    createQueryRunner: () => {
      let connected = false;
      const connection = {
        query: async (statement: { name?: string; text: string; values: unknown[] }) => {
          if (!connected) throw new Error('the query runner was released');
          this.statements.push({ name: statement.name, sql: statement.text, params: statement.values });
          if (this.gate) await this.gate;
          return { rows: this.run(statement.text, statement.values) };
        },
      };
      return {
        connect: async () => {
          if (!connected) this.connectionsInUse += 1;
          connected = true;
          return connection;
        },
        release: async () => {
          if (connected) this.connectionsInUse -= 1;
          connected = false;
        },
      };
    },
  };

  private run(sql: string, params: unknown[]): { ord?: number; tradeId: string }[] {
    const batch = BATCH_STATEMENT.exec(sql);
    if (!batch) throw new Error(`unexpected statement: ${sql}`);
    const rows = batchRows(batch, params);
    this.locks.push(rows.map((r) => String(r.messageKey)));
    // Like RETURNING, only the rows inserted come back.
    return this.insert(rows)
      .map((tradeId, i) => ({ ord: i + 1, tradeId }))
      .filter((row) => row.tradeId !== '');
  }

  /** Inserts the rows atomically; returns the new trade id of each, '' for one whose clientTradeId is taken. */
  private insert(rows: NewRow[]): string[] {
    if (this.racingTrade) {
      this.trades.push(this.racingTrade);
      this.racingTrade = null;
    }
    if (this.failOutboxInsert) throw this.failOutboxInsert;
    for (const row of rows) {
      const error = this.rowError(row.trade);
      if (error) throw error;
    }
    const trades: TradeEntity[] = [];
    const outbox: OutboxRow[] = [];
    const ids = rows.map((row) => {
      const { trade: fields } = row;
      const taken = [...this.trades, ...trades].some(
        (t) =>
          fields.clientTradeId !== null &&
          t.account === fields.account &&
          t.clientTradeId === fields.clientTradeId,
      );
      if (taken) return '';
      const trade = Object.assign(new TradeEntity(), fields, {
        id: String(this.nextId++),
        rejectReason: null,
        settledAt: null,
      });
      trades.push(trade);
      outbox.push({
        topic: String(row.topic),
        messageKey: String(row.messageKey),
        payload: { ...(JSON.parse(String(row.payload)) as object), tradeId: trade.id },
      });
      return trade.id;
    });
    this.trades.push(...trades);
    this.outbox.push(...outbox);
    if (trades.length > 0) this.timeline.push(`insert ${trades.map((t) => t.id).join(',')}`);
    return ids;
  }

  private async findTrade(where: Partial<TradeEntity>): Promise<TradeEntity | null> {
    if (where.id !== undefined && !isBigint(where.id)) {
      // What PostgreSQL answers for a bigint column compared with text that is no bigint.
      throw new QueryFailedError(
        'SELECT',
        [where.id],
        Object.assign(new Error('invalid input'), { code: '22P02' }),
      );
    }
    const entries = Object.entries(where) as [keyof TradeEntity, unknown][];
    return this.trades.find((trade) => entries.every(([key, value]) => trade[key] === value)) ?? null;
  }
}

/** The rows of a batch statement: column i of the unnest list takes the array parameter named at place i. */
function batchRows(match: RegExpExecArray, params: unknown[]): NewRow[] {
  const [, lockClass, lockedAt, placeholders = '', aliases = '', insertColumns = '', selected = ''] = match;
  if (Number(lockClass) !== POSITION_WRITE_LOCK) throw new Error(`locks of class ${lockClass}`);
  const arrays = placeholders.split(',').map((p) => {
    const at = /^\s*\$(\d+)::\w+\[\]\s*$/.exec(p)?.[1];
    const value = params[Number(at) - 1];
    if (!Array.isArray(value)) throw new Error(`parameter ${p} is not an array`);
    return value as unknown[];
  });
  const names = aliases
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== 'ord');
  if (names.length !== arrays.length || params.length !== arrays.length) {
    throw new Error('unnest columns, aliases and parameters do not match');
  }
  const columns = insertColumns.split(',').map((c) => c.trim());
  if (
    selected
      .split(',')
      .map((c) => c.trim())
      .join() !== columns.join()
  ) {
    throw new Error('the trades insert selects other columns than it names');
  }
  if (!placeholders.split(',')[names.indexOf('message_key')]?.includes(`$${lockedAt}::`)) {
    throw new Error('the locks are not taken on the message keys');
  }
  const length = arrays[0]?.length ?? 0;
  if (arrays.some((a) => a.length !== length)) throw new Error('array parameters of different lengths');
  return Array.from({ length }, (_, i) => {
    const value = (name: string) => {
      const at = names.indexOf(name);
      if (at === -1) throw new Error(`no column ${name}`);
      return arrays[at]?.[i];
    };
    const trade: NewRow['trade'] = {};
    for (const column of columns) {
      const field = TRADE_COLUMNS[column];
      if (!field) throw new Error(`unexpected column ${column}`);
      trade[field] = value(column);
    }
    return { trade, topic: value('topic'), messageKey: value('message_key'), payload: value('payload') };
  });
}

function isBigint(value: string): boolean {
  return (
    /^-?\d+$/.test(value) && BigInt(value) <= 9223372036854775807n && BigInt(value) >= -9223372036854775808n
  );
}
