import { KAFKA_TOPIC_PARTITIONS, KafkaTopic } from '@lotwise/contracts';
import { sleep } from '@lotwise/testing';
import autocannon from 'autocannon';
import { BenchContext, HotRun } from '../context';
import { statusCounts } from '../db';
import { topicEnds } from '../kafka';
import { fmt, log } from '../stats';
import { BENCH_SYMBOLS, hotBodies, requestBodies } from '../trades';
import { recordPeaks, startStack, waitForBacklog } from './api';

export const HOT_ACCOUNT = 'bench-hot';
export const HOT_SYMBOL = 'HOT';
/** Positions of the run the hot symbol is judged against. */
export const SPREAD_SYMBOLS = BENCH_SYMBOLS.length;
/** Targets: the hot position at least this fraction of the spread rate, and both at least HOT_MIN_RATE. */
export const HOT_RATIO_TARGET = 0.9;
export const HOT_MIN_RATE = 1200;
const WARMUP_REQUESTS = 500;
const WARMUP_CONNECTIONS = 8;
const BACKLOG_WAIT_S = 30;
/** How long, after the last answer, every accepted trade may take to settle before the run reports a timeout. */
const SETTLE_TIMEOUT_S = 120;
const POLL_MS = 50;

/** autocannon with `amount`: each connection sends its share back to back (closed loop); also times the last answer. */
function closedLoop(
  url: string,
  bodies: readonly string[],
  connections: number,
): Promise<{ result: autocannon.Result; lastAnswer: number }> {
  let next = 0;
  let lastAnswer = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        amount: bodies.length,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/trades',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve({ result, lastAnswer: lastAnswer || performance.now() });
      },
    );
    instance.on('response', () => {
      lastAnswer = performance.now();
    });
  });
}

/**
 * Trades that reached the matcher after a trade of their position that executes later, so the matcher took its
 * backdated path for them: the submitted topic read back in partition order (one position's events share a
 * partition), each trade's (executed_at, id) compared with the newest before it. Null if the topic could not
 * be read to its end.
 */
async function arrivedBackdated(ctx: BenchContext, minId: string): Promise<number | null> {
  const ends = await topicEnds(ctx.admin, KafkaTopic.TradeSubmitted);
  const expected = Number([...ends.values()].reduce((a, b) => a + b, 0n));
  const arrivals: Array<{ partition: number; offset: bigint; tradeId: string }> = [];
  const consumer = ctx.kafka.consumer({
    groupId: `bench-arrivals-${Date.now()}`,
    allowAutoTopicCreation: false,
  });
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: KafkaTopic.TradeSubmitted, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: KAFKA_TOPIC_PARTITIONS,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          seen++;
          const tradeId = /"tradeId":"(\d+)"/.exec(message.value?.toString() ?? '')?.[1];
          if (tradeId) arrivals.push({ partition: batch.partition, offset: BigInt(message.offset), tradeId });
        }
        if (seen >= expected) done();
      },
    });
    await Promise.race([finished, sleep(60_000)]);
  } finally {
    await consumer.disconnect();
  }
  if (seen < expected) return null;
  const { rows } = await ctx.db.query<{ id: string; position: string; micros: string }>(
    `SELECT id::text, account || '|' || symbol AS position,
            (extract(epoch FROM executed_at) * 1000000)::bigint::text AS micros
       FROM trades WHERE id > $1`,
    [minId],
  );
  const trades = new Map(rows.map((r) => [r.id, r]));
  arrivals.sort(
    (a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
  );
  const newest = new Map<string, { micros: bigint; id: bigint }>();
  let backdated = 0;
  for (const arrival of arrivals) {
    const trade = trades.get(arrival.tradeId);
    if (!trade) continue;
    const key = { micros: BigInt(trade.micros), id: BigInt(trade.id) };
    const last = newest.get(trade.position);
    if (last && (key.micros < last.micros || (key.micros === last.micros && key.id < last.id))) backdated++;
    else newest.set(trade.position, key);
  }
  return backdated;
}

async function measureStream(
  ctx: BenchContext,
  label: HotRun['label'],
  symbols: readonly string[],
): Promise<HotRun> {
  const { config, sampler, db } = ctx;
  const url = `http://127.0.0.1:${config.apiPort}`;
  const bodies = hotBodies(config.seed + 700, config.hotTrades, HOT_ACCOUNT, symbols).map((b) =>
    JSON.stringify(b),
  );
  const warmup = requestBodies(config.seed + 701, WARMUP_REQUESTS).map((b) => JSON.stringify(b));
  const stack = await startStack(ctx, `hot-${label}`);
  try {
    // JIT and connection pools warm, on other accounts; the measured positions start empty.
    await closedLoop(url, warmup, WARMUP_CONNECTIONS);
    await waitForBacklog(ctx, stack.groupId, BACKLOG_WAIT_S);
    const { rows } = await db.query<{ id: string }>('SELECT COALESCE(max(id), 0)::text AS id FROM trades');
    const minId = rows[0]?.id ?? '0';
    log(
      `hot: ${fmt(bodies.length)} POSTs over ${config.hotClients} keep-alive connections on ` +
        `${symbols.length === 1 ? 'one position' : `${symbols.length} positions`}…`,
    );
    const cpuFrom = await sampler.snapshot();
    const started = performance.now();
    const { result, lastAnswer } = await closedLoop(url, bodies, config.hotClients);
    // Every 2xx answer follows its trade's commit, so all accepted trades are visible now.
    const { rows: counted } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM trades WHERE id > $1',
      [minId],
    );
    const accepted = counted[0]?.n ?? 0;
    const deadline = lastAnswer + SETTLE_TIMEOUT_S * 1000;
    let settled = 0;
    let settledAt: number | null = null;
    for (;;) {
      const { rows: polled } = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM trades WHERE id > $1 AND status <> 'PENDING'",
        [minId],
      );
      const now = performance.now();
      settled = polled[0]?.n ?? 0;
      if (settled >= accepted) {
        settledAt = now;
        break;
      }
      if (now > deadline) break;
      if (stack.matcher.child.exitCode !== null) {
        log(`hot: the matcher exited with ${stack.matcher.child.exitCode}; see ${stack.matcher.logFile}`);
        break;
      }
      await sleep(POLL_MS);
    }
    const cpuTo = await sampler.snapshot();
    const statuses = await statusCounts(db, minId);
    const { rows: reasons } = await db.query<{ reason: string; n: number }>(
      `SELECT regexp_replace(reject_reason, '[0-9]+', 'N', 'g') AS reason, count(*)::int AS n
         FROM trades WHERE id > $1 AND status = 'REJECTED' GROUP BY 1 ORDER BY 2 DESC LIMIT 5`,
      [minId],
    );
    const end = settledAt ?? performance.now();
    const run: HotRun = {
      label,
      symbols: symbols.length,
      clients: config.hotClients,
      trades: bodies.length,
      accepted,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      postSeconds: (lastAnswer - started) / 1000,
      postPerSecond: bodies.length / ((lastAnswer - started) / 1000),
      postP50: result.latency.p50,
      postP99: result.latency.p99,
      settled,
      applied: statuses.APPLIED,
      rejected: statuses.REJECTED,
      rejectReasons: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
      endToEndSeconds: settledAt === null ? null : (settledAt - started) / 1000,
      perSecond: (settledAt === null ? settled : accepted) / ((end - started) / 1000),
      catchUpSeconds: settledAt === null ? null : (settledAt - lastAnswer) / 1000,
      arrivedBackdated: await arrivedBackdated(ctx, minId),
      cpu: sampler.split(cpuFrom, cpuTo),
    };
    log(
      `hot: ${label} (${symbols.length} symbol(s)): ` +
        (run.endToEndSeconds === null
          ? `TIMED OUT: ${fmt(settled)}/${fmt(accepted)} settled ${SETTLE_TIMEOUT_S} s after the last answer (${fmt(run.perSecond)} trades/s)`
          : `${fmt(run.perSecond)} trades/s end to end (${fmt(accepted)} in ${fmt(run.endToEndSeconds)} s)`) +
        `; POST ${fmt(run.postPerSecond)}/s, p99 ${fmt(run.postP99)} ms; caught up ` +
        `${run.catchUpSeconds === null ? 'n/a' : `${fmt(run.catchUpSeconds)} s`} after the last answer; ` +
        `${run.rejected} rejected, ${run.non2xx} non-2xx, ${run.errors} errors; ` +
        `${run.arrivedBackdated ?? 'n/a'} arrived backdated`,
    );
    recordPeaks(ctx, 'hot');
    return run;
  } finally {
    await stack.stop();
  }
}

/**
 * Hot symbol: N trades POSTed by `hotClients` closed-loop keep-alive connections, all on one position, with the
 * api and one matcher running; end-to-end trades/s from the first POST to the moment every accepted trade is
 * settled. Beside it, the same stream spread over 100 symbols (fresh tables and topics for each run).
 */
export async function measureHot(ctx: BenchContext): Promise<HotRun[]> {
  // In the results as they are measured, so a failure of the second run keeps the first.
  const runs: HotRun[] = (ctx.results.hot = []);
  runs.push(await measureStream(ctx, 'hot', [HOT_SYMBOL]));
  runs.push(await measureStream(ctx, 'spread', BENCH_SYMBOLS.slice(0, SPREAD_SYMBOLS)));
  return runs;
}
