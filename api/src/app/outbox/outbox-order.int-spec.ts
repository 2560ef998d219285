import { KafkaTopic, TradeStatus } from '@lotwise/contracts';
import { postgresSettingsFromEnv, typeOrmOptions } from '@lotwise/server-data';
import { ClientKafka } from '@nestjs/microservices';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { of } from 'rxjs';
import { DataSource } from 'typeorm';
import { SUBMIT_BATCH_SQL, TradeRow, TradeWriter } from '../trades/trade-writer';
import { OutboxRelayService } from './outbox-relay.service';

// The group commit and the relay against real PostgreSQL, in a schema of their own built from init.sql, with Kafka
// replaced by a recorder: each position's events are published in the order their trades committed, also when two
// api instances write the same position at once.

const schema = `lw_outbox_order_${process.pid}`;
const settings = postgresSettingsFromEnv();
const searchPath = `-c search_path=${schema}`;
const key = 'alice|AAPL';

function tradeRow(fields: Partial<TradeRow>): TradeRow {
  const account = fields.account ?? 'alice';
  const symbol = fields.symbol ?? 'AAPL';
  return {
    account,
    symbol,
    qty: '10',
    price: '150',
    executedAt: new Date(),
    receivedAt: new Date(),
    status: TradeStatus.Pending,
    clientTradeId: null,
    requestHash: 'a'.repeat(64),
    topic: KafkaTopic.TradeSubmitted,
    messageKey: `${account}|${symbol}`,
    payload: JSON.stringify({ eventVersion: 1, account, symbol, note: fields.qty ?? '10' }),
    ...fields,
  };
}

/** The batch statement's parameters for some rows, as TradeWriter sends them. */
function batchValues(rows: TradeRow[]): unknown[] {
  const keys: (keyof TradeRow)[] = [
    'account',
    'symbol',
    'qty',
    'price',
    'executedAt',
    'receivedAt',
    'status',
    'clientTradeId',
    'requestHash',
    'topic',
    'messageKey',
    'payload',
  ];
  return keys.map((k) => rows.map((r) => r[k]));
}

describe('outbox on PostgreSQL', () => {
  let admin: Client;
  let dataSource: DataSource;
  let relay: OutboxRelayService;
  let writer: TradeWriter;
  /** Every message the relay produced, in order. */
  const sent: { key: string; value: { qty?: string; tradeId: string; note?: string } }[] = [];

  /** One drain of the relay (by id, as it publishes); how many rows went out. */
  const drain = (): Promise<number | null> =>
    (relay as unknown as { drainOnce(): Promise<number | null> }).drainOnce();
  const connect = async (): Promise<Client> => {
    const client = new Client({ ...settings, options: searchPath });
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    admin = new Client({ ...settings, options: searchPath });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(readFileSync(join(__dirname, '../../../../init.sql'), 'utf8'));
    const options = typeOrmOptions(settings, 'lotwise-outbox-order-test');
    dataSource = new DataSource({ ...options, extra: { ...options.extra, options: searchPath } });
    await dataSource.initialize();
    const kafka = {
      connect: async () => undefined,
      close: async () => undefined,
      emitBatch: (_topic: string, batch: { messages: (typeof sent)[number][] }) => {
        sent.push(...batch.messages);
        return of([]);
      },
    };
    relay = new OutboxRelayService(dataSource, kafka as unknown as ClientKafka);
    writer = new TradeWriter(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  beforeEach(async () => {
    await admin.query('TRUNCATE trades, outbox RESTART IDENTITY CASCADE');
    sent.length = 0;
  });

  it("publishes a position's events in commit order when two instances write it at once", async () => {
    const committed: string[] = [];
    // Instance 1 is slow: its statement has run, its commit has not happened yet.
    const slow = await connect();
    try {
      await slow.query('BEGIN');
      await slow.query(SUBMIT_BATCH_SQL, batchValues([tradeRow({ payload: '{"note":"slow"}' })]));
      // Instance 2 writes the same position meanwhile.
      const fast = writer.write(tradeRow({ payload: '{"note":"fast"}' })).then((id) => {
        committed.push('fast');
        return id;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await slow.query('COMMIT');
      committed.push('slow');
      await fast;
    } finally {
      await slow.end();
    }
    // Without the position lock, "fast" would commit first with the higher id and be published second.
    expect(committed).toEqual(['slow', 'fast']);
    await expect(drain()).resolves.toBe(2);
    expect(sent.map((m) => [m.key, m.value.note])).toEqual([
      [key, 'slow'],
      [key, 'fast'],
    ]);
  });

  it('does not make writers of other positions wait', async () => {
    const slow = await connect();
    try {
      await slow.query('BEGIN');
      await slow.query(SUBMIT_BATCH_SQL, batchValues([tradeRow({ symbol: 'MSFT' })]));
      const started = Date.now();
      await expect(writer.write(tradeRow({ symbol: 'AAPL' }))).resolves.toEqual(expect.any(String));
      expect(Date.now() - started).toBeLessThan(2000);
      await slow.query('ROLLBACK');
    } finally {
      await slow.end();
    }
  });

  it('lets two instances write overlapping positions in any order without a deadlock', async () => {
    const other = new TradeWriter(dataSource);
    const symbols = ['A', 'B', 'C', 'D', 'E'];
    const writes = Array.from({ length: 400 }, (_, i) =>
      (i % 2 === 0 ? writer : other).write(
        tradeRow({ symbol: symbols[(i * 7 + (i % 3)) % symbols.length], qty: String(i + 1) }),
      ),
    );
    const ids = await Promise.all(writes);
    expect(new Set(ids).size).toBe(400);
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect(rows[0]?.n).toBe(400);
  });

  it('group commit: one batch on real PostgreSQL, a CHECK violation failing only its own row', async () => {
    const results = await Promise.allSettled([
      writer.write(tradeRow({ qty: '1', clientTradeId: 'c-1' })),
      writer.write(tradeRow({ qty: '2', price: '0' })),
      writer.write(tradeRow({ qty: '3', clientTradeId: 'c-1' })),
      writer.write(tradeRow({ qty: '4', symbol: 'MSFT' })),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value !== null : 'failed'))).toEqual([
      true,
      'failed',
      false,
      true,
    ]);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: '23514' } });
    const { rows } = await admin.query<{ qty: string; key: string; matches: boolean }>(
      `SELECT t.qty::text AS qty, o.message_key AS key, (o.payload ->> 'tradeId') = t.id::text AS matches
       FROM trades t JOIN outbox o ON (o.payload ->> 'tradeId') = t.id::text ORDER BY t.id`,
    );
    expect(rows).toEqual([
      { qty: '1', key: 'alice|AAPL', matches: true },
      { qty: '4', key: 'alice|MSFT', matches: true },
    ]);
  });

  it('group commit: ids in arrival order, each outbox payload naming its own trade', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => writer.write(tradeRow({ qty: String(i + 1) }))),
    );
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
    const { rows } = await admin.query<{ id: string; qty: string; tradeId: string }>(
      `SELECT t.id::text AS id, t.qty::text AS qty, o.payload ->> 'tradeId' AS "tradeId"
       FROM trades t JOIN outbox o ON (o.payload ->> 'tradeId') = t.id::text ORDER BY o.id`,
    );
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.map((r) => r.qty)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
  });
});
