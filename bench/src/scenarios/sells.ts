import {
  KAFKA_TOPIC_PARTITIONS,
  KafkaTopic,
  TradeSettledEvent,
  TradeSubmittedEvent,
} from '@lotwise/contracts';
import { join } from 'node:path';
import { BenchContext, SellCostRun } from '../context';
import { activityPer, dbActivity, insertPendingTrades } from '../db';
import { submittedMessage } from '../kafka';
import { startMatcher } from '../stack';
import { fmt, log, summarize } from '../stats';
import { GeneratedTrade } from '../trades';
import { BOOKS_START, SELL_ACCOUNT, sellSymbol } from './books';

const WARMUP = 20;
const SELL_TIMEOUT_MS = 30_000;

/** Settlements on trades.settled.v1, by trade id: resolves a waiter registered before the trade was produced. */
export class SettledListener {
  private readonly waiters = new Map<string, (event: TradeSettledEvent) => void>();

  static async start(ctx: BenchContext): Promise<{ listener: SettledListener; stop: () => Promise<void> }> {
    const listener = new SettledListener();
    const consumer = ctx.kafka.consumer({
      groupId: `bench-settled-${Date.now()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: KafkaTopic.TradeSettled, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: KAFKA_TOPIC_PARTITIONS,
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value?.toString() ?? '{}') as TradeSettledEvent;
        const waiter = listener.waiters.get(event.tradeId);
        if (waiter) {
          listener.waiters.delete(event.tradeId);
          waiter(event);
        }
      },
    });
    return { listener, stop: () => consumer.disconnect() };
  }

  wait(tradeId: string, timeoutMs = SELL_TIMEOUT_MS): Promise<TradeSettledEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(tradeId);
        reject(new Error(`trade ${tradeId} not settled within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(tradeId, (event) => {
        clearTimeout(timer);
        resolve(event);
      });
    });
  }
}

/**
 * Figure 2: sells of one unit against positions holding 10, 1,000 and 100,000 open lots of 100 units, so each
 * sell consumes part of the oldest lot. One sell at a time (submit the event → settlement seen on
 * trades.settled.v1), positions taken in turn so machine noise spreads evenly over them.
 */
export async function measureSellCost(ctx: BenchContext): Promise<void> {
  const { config, db } = ctx;
  const perPosition = WARMUP + config.sells;
  const receivedAt = new Date();
  const events = new Map<number, TradeSubmittedEvent[]>();
  for (const lots of config.sellLots) {
    const symbol = sellSymbol(lots);
    const sells: GeneratedTrade[] = Array.from({ length: perPosition }, (_, j) => ({
      account: SELL_ACCOUNT,
      symbol,
      qty: '-1',
      price: '50',
      executedAt: new Date(BOOKS_START.getTime() + 10_000_000 + j),
    }));
    const ids = await insertPendingTrades(db, sells, receivedAt);
    events.set(
      lots,
      sells.map((s, j) => ({
        eventVersion: 1,
        tradeId: ids[j] as string,
        account: s.account,
        symbol: s.symbol,
        qty: s.qty,
        price: s.price,
        executedAt: s.executedAt.toISOString(),
        receivedAt: receivedAt.toISOString(),
      })),
    );
  }
  const { listener, stop: stopListener } = await SettledListener.start(ctx);
  const producer = ctx.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const matcher = await startMatcher(config, join(ctx.logDir, 'sells'), 0, `bench-sells-${Date.now()}`);
  const latencies = new Map<number, number[]>(config.sellLots.map((l) => [l, []]));
  const measured = new Map<number, string[]>(config.sellLots.map((l) => [l, []]));
  let before = await dbActivity(db);
  try {
    log(`sells: ${config.sells} measured sells (+${WARMUP} warm-up) per position, one at a time…`);
    for (let j = 0; j < perPosition; j++) {
      if (j === WARMUP) before = await dbActivity(db);
      for (const lots of config.sellLots) {
        const event = events.get(lots)?.[j] as TradeSubmittedEvent;
        const settled = listener.wait(event.tradeId);
        const started = performance.now();
        await producer.send({
          topic: KafkaTopic.TradeSubmitted,
          acks: -1,
          messages: [submittedMessage(event)],
        });
        const outcome = await settled;
        const elapsed = performance.now() - started;
        if (outcome.status !== 'APPLIED') {
          throw new Error(
            `sell ${event.tradeId} on ${lots} lots was ${outcome.status}: ${outcome.rejectReason ?? ''}`,
          );
        }
        if (j >= WARMUP) {
          latencies.get(lots)?.push(elapsed);
          measured.get(lots)?.push(event.tradeId);
        }
      }
    }
  } finally {
    await matcher.stop();
    await producer.disconnect();
    await stopListener();
  }
  const after = await dbActivity(db);
  ctx.results.sellDb = { perSell: activityPer(before, after, config.sells * config.sellLots.length) };
  for (const lots of config.sellLots) {
    // The transaction's start is now() of the entry it inserted; settled_at is stamped after the books are written.
    const { rows } = await db.query<{ ms: number }>(
      `SELECT extract(epoch FROM t.settled_at - min(e.created_at)) * 1000 AS ms
       FROM trades t JOIN realized_pnl e ON e.sell_trade_id = t.id
       WHERE t.id = ANY($1::bigint[]) GROUP BY t.id, t.settled_at`,
      [measured.get(lots) ?? []],
    );
    const run: SellCostRun = {
      lots,
      sells: config.sells,
      latency: summarize(latencies.get(lots) ?? []),
      txLatency: summarize(rows.map((r) => Number(r.ms))),
      lockQuery: await explainLockQuery(ctx, lots),
    };
    ctx.results.sells.push(run);
    log(
      `sells: ${fmt(lots, 0)} open lots: submit → settled mean ${fmt(run.latency.mean)} ms, p50 ${fmt(run.latency.p50)} ms, ` +
        `p99 ${fmt(run.latency.p99)} ms; in the transaction mean ${fmt(run.txLatency.mean)} ms, p99 ${fmt(run.txLatency.p99)} ms; FIFO lock query ${fmt(run.lockQuery?.executionMs ?? NaN, 3)} ms, ` +
        `${run.lockQuery?.buffers ?? 'n/a'} buffers`,
    );
  }
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** EXPLAIN (ANALYZE, BUFFERS) of the matcher's first FIFO lock query for a position, rolled back. */
async function explainLockQuery(ctx: BenchContext, lots: number): Promise<SellCostRun['lockQuery']> {
  const client = await ctx.db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{
      'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }>;
    }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
       SELECT * FROM lots l
       WHERE l.account = '${SELL_ACCOUNT}' AND l.symbol = '${sellSymbol(lots)}' AND l.remaining_qty > 0
       ORDER BY l.executed_at ASC, l.trade_id ASC LIMIT 8 FOR UPDATE`,
    );
    await client.query('ROLLBACK');
    const root = rows[0]?.['QUERY PLAN'][0];
    if (!root) return null;
    const nodes: string[] = [];
    const walk = (node: PlanNode): void => {
      nodes.push(node['Index Name'] ? `${node['Node Type']} (${node['Index Name']})` : node['Node Type']);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(root.Plan);
    return {
      plan: nodes.join(' → '),
      executionMs: root['Execution Time'],
      buffers: (root.Plan['Shared Hit Blocks'] ?? 0) + (root.Plan['Shared Read Blocks'] ?? 0),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
