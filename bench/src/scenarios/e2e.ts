import { KafkaTopic, LotwiseStreamEvent, Trade } from '@lotwise/contracts';
import { sleep } from '@lotwise/testing';
import http from 'node:http';
import { BenchContext, E2eRun } from '../context';
import { readTimestamps, topicEnds } from '../kafka';
import { fmt, log, summarize } from '../stats';
import { requestBodies } from '../trades';
import { recordPeaks, startStack } from './api';

const SETTLE_TIMEOUT_S = 90;
const WARMUP_S = 3;
const WARMUP_RATE = 50;
const VERIFY_SAMPLE = 50;

interface Pending {
  start: number;
  posted: number | null;
  settled: number | null;
  status: string | null;
}

/** GET /events as a client sees it: every trade.settled event with the time it arrived. */
function openEventStream(
  port: number,
  onSettled: (tradeId: string, status: string, at: number) => void,
): Promise<{ close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/events', headers: { accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET /events answered ${res.statusCode}`));
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          const at = performance.now();
          buffer += chunk;
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) {
            if (!line.startsWith('data:') || !line.includes('trade.settled')) continue;
            const event = JSON.parse(line.slice(5)) as LotwiseStreamEvent;
            if (event.type === 'trade.settled')
              onSettled(event.settlement.tradeId, event.settlement.status, at);
          }
        });
        resolve({ close: () => req.destroy() });
      },
    );
    req.on('error', reject);
  });
}

function post(agent: http.Agent, port: number, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/trades',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Burst {
  ids: string[];
  trades: Map<string, Pending>;
  postLatencies: number[];
  failed: number;
  sendSeconds: number;
}

/** Sends `bodies` evenly spaced at `rate`/s (open loop: a slow answer does not delay the next request). */
async function sendAtRate(
  agent: http.Agent,
  port: number,
  bodies: string[],
  rate: number,
  trades: Map<string, Pending>,
  early: Map<string, { status: string; at: number }>,
): Promise<Burst> {
  const ids: string[] = [];
  const postLatencies: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (const [i, body] of bodies.entries()) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      (async () => {
        const start = performance.now();
        try {
          const res = await post(agent, port, body);
          const posted = performance.now();
          if (res.status !== 202 && res.status !== 200) {
            failed++;
            return;
          }
          postLatencies.push(posted - start);
          const trade = JSON.parse(res.text) as Trade;
          ids.push(trade.id);
          const seen = early.get(trade.id);
          trades.set(trade.id, { start, posted, settled: seen?.at ?? null, status: seen?.status ?? null });
        } catch {
          failed++;
        }
      })(),
    );
  }
  // The dispatch rate: when the last request left, not when the last answer came back.
  const sendSeconds = (performance.now() - t0) / 1000;
  await Promise.all(inFlight);
  return { ids, trades, postLatencies, failed, sendSeconds };
}

async function waitSettled(trades: Map<string, Pending>, timeoutS: number): Promise<void> {
  const deadline = performance.now() + timeoutS * 1000;
  while ([...trades.values()].some((t) => t.settled === null) && performance.now() < deadline)
    await sleep(100);
}

/**
 * Where the time of a trade goes, from the database's own timestamps, the Kafka CreateTime of its event and the
 * client's clock (p50 / p99 ms per stage; all clocks are this machine's).
 */
async function stages(
  ctx: BenchContext,
  trades: Map<string, Pending>,
  ids: string[],
): Promise<E2eRun['stages']> {
  const ends = await topicEnds(ctx.admin, KafkaTopic.TradeSubmitted);
  const produced = await readTimestamps(ctx.kafka, KafkaTopic.TradeSubmitted, ends);
  const { rows } = await ctx.db.query<{
    id: string;
    created: number;
    published: number | null;
    settled: number | null;
  }>(
    `SELECT t.id::text AS id, extract(epoch FROM o.created_at) * 1000 AS created,
            extract(epoch FROM o.published_at) * 1000 AS published, extract(epoch FROM t.settled_at) * 1000 AS settled
     FROM trades t JOIN outbox o ON (o.payload ->> 'tradeId')::bigint = t.id
     WHERE t.id = ANY($1::bigint[])`,
    [ids],
  );
  const origin = performance.timeOrigin;
  const parts: Record<string, number[]> = {
    '1 POST /trades (client)': [],
    '2 api transaction → relay picks the outbox row up': [],
    '3 relay pick-up → handed to the Kafka producer': [],
    '4 on Kafka → settled by the matcher (queue + apply)': [],
    '5 settled → trade.settled seen on GET /events': [],
  };
  const push = (key: string, value: number): void => {
    if (Number.isFinite(value)) parts[key]?.push(value);
  };
  for (const row of rows) {
    const client = trades.get(row.id);
    const kafkaAt = produced.get(row.id);
    if (!client || row.published === null || row.settled === null || kafkaAt === undefined) continue;
    push('1 POST /trades (client)', (client.posted ?? NaN) - client.start);
    push('2 api transaction → relay picks the outbox row up', Number(row.published) - Number(row.created));
    push('3 relay pick-up → handed to the Kafka producer', kafkaAt - Number(row.published));
    push('4 on Kafka → settled by the matcher (queue + apply)', Number(row.settled) - kafkaAt);
    if (client.settled !== null)
      push('5 settled → trade.settled seen on GET /events', origin + client.settled - Number(row.settled));
  }
  return Object.fromEntries(
    Object.entries(parts).map(([stage, values]) => {
      const summary = summarize(values);
      return [stage, { p50: summary.p50, p99: summary.p99 }];
    }),
  );
}

/**
 * Figure 4: trades submitted at a fixed rate (open loop, evenly spaced), each timed from the start of its
 * POST to its trade.settled event on GET /events. That event is sent after the outcome is committed, so the
 * figure is an upper bound of "APPLIED visible in GET /trades/:id"; a sample is checked there as well.
 */
export async function measureEndToEnd(ctx: BenchContext): Promise<void> {
  const { config, sampler } = ctx;
  const port = config.apiPort;
  for (const [r, rate] of config.rates.entries()) {
    const stack = await startStack(ctx, `e2e-${rate}`);
    const trades = new Map<string, Pending>();
    const early = new Map<string, { status: string; at: number }>();
    const stream = await openEventStream(port, (tradeId, status, at) => {
      const pending = trades.get(tradeId);
      if (pending) {
        pending.settled = at;
        pending.status = status;
      } else early.set(tradeId, { status, at });
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    try {
      const count = rate * config.e2eDurationS;
      const warmup = requestBodies(config.seed + 450 + r, WARMUP_RATE * WARMUP_S).map((b) =>
        JSON.stringify(b),
      );
      await sendAtRate(agent, port, warmup, WARMUP_RATE, trades, early);
      await waitSettled(trades, 30);
      trades.clear();
      early.clear();
      const bodies = requestBodies(config.seed + 400 + r, count).map((b) => JSON.stringify(b));
      const cpuFrom = await sampler.snapshot();
      const burst = await sendAtRate(agent, port, bodies, rate, trades, early);
      const cpuTo = await sampler.snapshot();
      await waitSettled(trades, SETTLE_TIMEOUT_S);
      const all = [...trades.values()];
      const settled = all.filter((t) => t.settled !== null);
      // Sample check through the REST api: the outcome the stream announced is what GET /trades/:id shows.
      let matching = 0;
      const step = Math.max(1, Math.floor(burst.ids.length / VERIFY_SAMPLE));
      const sample = burst.ids.filter((_, i) => i % step === 0).slice(0, VERIFY_SAMPLE);
      for (const id of sample) {
        const res = await fetch(`http://127.0.0.1:${port}/trades/${id}`);
        const trade = (await res.json()) as Trade;
        if (trade.status !== 'PENDING' && trade.status === trades.get(id)?.status) matching++;
      }
      const stageTimes = await stages(ctx, trades, burst.ids);
      const { rows: db } = await ctx.db.query<{ p50: number | null; p99: number | null }>(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM settled_at - received_at)) * 1000 AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM settled_at - received_at)) * 1000 AS p99
         FROM trades WHERE id = ANY($1::bigint[]) AND settled_at IS NOT NULL`,
        [burst.ids],
      );
      const total = db[0];
      const run: E2eRun = {
        rate,
        submitted: burst.ids.length,
        settled: settled.length,
        applied: settled.filter((t) => t.status === 'APPLIED').length,
        rejected: settled.filter((t) => t.status === 'REJECTED').length,
        unsettled: all.length - settled.length,
        achievedPerSecond: count / Math.max(burst.sendSeconds, (count - 1) / rate),
        postLatency: summarize(burst.postLatencies),
        settleLatency: summarize(settled.map((t) => (t.settled as number) - t.start)),
        dbSettleP50: total?.p50 ?? null,
        dbSettleP99: total?.p99 ?? null,
        verified: { checked: sample.length, matching },
        non2xx: burst.failed,
        stages: stageTimes,
        cpu: sampler.split(cpuFrom, cpuTo),
      };
      ctx.results.e2e.push(run);
      log(
        `e2e: ${rate} trades/s (${fmt(run.achievedPerSecond)} sent/s): submit → settled p50 ${fmt(run.settleLatency.p50)} ms, ` +
          `p99 ${fmt(run.settleLatency.p99)} ms; POST p99 ${fmt(run.postLatency.p99)} ms; ${run.settled}/${run.submitted} settled, ` +
          `${matching}/${sample.length} verified by GET /trades/:id`,
      );
      recordPeaks(ctx, 'e2e');
    } finally {
      stream.close();
      agent.destroy();
      await stack.stop();
    }
  }
}
