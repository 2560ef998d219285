import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { BenchContext, IngestRun, IngestSide } from '../context';
import { SCRATCH_TOPIC } from '../kafka';
import { onCleanup } from '../stack';
import { fmt, httpLoadFigures, log } from '../stats';
import { requestBodies } from '../trades';
import { recordPeaks, startStack, waitForBacklog } from './api';

/** Concurrent keep-alive connections of the closed-loop client, each sending its next POST on the answer. */
export const INGEST_CONNECTIONS = 32;
const WARMUP_S = 3;
const BACKLOG_WAIT_S = 30;
/** The targets: the api accepts at least this multiple of the baseline's POST/s … */
export const INGEST_RATIO_TARGET = 1.3;
/** … with a p99 of at most this (ms). */
export const INGEST_P99_TARGET_MS = 50;

/** The bare server of the baseline as a child process; resolves once it listens. */
async function startBaselineServer(
  ctx: BenchContext,
): Promise<{ pid: number; port: number; stop(): Promise<void> }> {
  const child = fork(
    join(__dirname, 'ingest-baseline-server.ts'),
    [String(ctx.config.kafkaPort), SCRATCH_TOPIC],
    {
      // The bench's tsx loader, so the TypeScript file runs as it is.
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup('ingest baseline server', stop);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the baseline server did not start within 30 s')),
      30_000,
    );
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      if (typeof message.port === 'number') resolve(message.port);
      else reject(new Error('the baseline server sent no port'));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the baseline server exited with ${code}`));
    });
  });
  if (child.pid === undefined) throw new Error('the baseline server has no pid');
  return { pid: child.pid, port, stop };
}

/** Warm-up, then the measured closed-loop run against `url`, with the CPU used meanwhile. */
async function closedLoop(
  ctx: BenchContext,
  url: string,
  request: autocannon.Request,
  serverGroup: string,
  afterWarmup: () => Promise<void>,
): Promise<{ side: IngestSide; warmupOk: number }> {
  const options = { url, requests: [request], connections: INGEST_CONNECTIONS, timeout: 10 };
  const warmup = await autocannon({ ...options, duration: WARMUP_S });
  await afterWarmup();
  const cpuFrom = await ctx.sampler.snapshot();
  const result = await autocannon({ ...options, duration: ctx.config.ingestDurationS });
  const cpuTo = await ctx.sampler.snapshot();
  const cpu = ctx.sampler.split(cpuFrom, cpuTo);
  const perSecond = result.requests.total / result.duration;
  const cpuMsPerRequest: Record<string, number> = {};
  for (const [group, cores] of Object.entries(cpu.cores)) {
    cpuMsPerRequest[group === serverGroup ? 'server' : group] =
      Math.round(((cores * 1000) / perSecond) * 1000) / 1000;
  }
  return {
    warmupOk: warmup['2xx'] + result['2xx'],
    side: {
      ...httpLoadFigures(result),
      perSecond,
      cpu,
      cpuMsPerRequest,
      peakRssMb: ctx.sampler.peak(serverGroup)?.peakRssMb ?? null,
    },
  };
}

/**
 * Ingest: POST /trades closed-loop over INGEST_CONNECTIONS keep-alive connections for --ingest-duration s (after
 * a 3 s warm-up), first against a bare server that only produces each body to Kafka (acks=all), then against the
 * api (trade + outbox row committed before the 202; its relay and one matcher running, as in the other phases).
 * The same client and the same random bodies (without executedAt) for both.
 */
export async function measureIngest(ctx: BenchContext): Promise<IngestRun> {
  const { sampler } = ctx;
  const bodies = requestBodies(ctx.config.seed + 700, 20_000).map((b) => JSON.stringify(b));
  let next = 0;
  const request: autocannon.Request = {
    method: 'POST',
    path: '/trades',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
  };

  // (a) the bare Kafka-producing server.
  const server = await startBaselineServer(ctx);
  let baseline: IngestSide;
  try {
    sampler.resetPeaks();
    sampler.track('baseline', () => [server.pid]);
    ({ side: baseline } = await closedLoop(
      ctx,
      `http://127.0.0.1:${server.port}`,
      request,
      'baseline',
      async () => undefined,
    ));
  } finally {
    sampler.untrack('baseline');
    await server.stop();
  }
  log(
    `ingest: baseline (http + kafkajs produce, acks=all) ${fmt(baseline.perSecond)} POST/s at ` +
      `${INGEST_CONNECTIONS} connections, p50 ${fmt(baseline.p50)} ms, p99 ${fmt(baseline.p99)} ms, ` +
      `${baseline.non2xx} non-2xx; server CPU ${fmt(baseline.cpuMsPerRequest['server'] ?? NaN, 3)} ms/request`,
  );

  // (b) the api, with its relay and a matcher.
  const stack = await startStack(ctx, 'ingest');
  try {
    const { side: api, warmupOk } = await closedLoop(
      ctx,
      `http://127.0.0.1:${ctx.config.apiPort}`,
      request,
      'api',
      async () => {
        await waitForBacklog(ctx, stack.groupId, BACKLOG_WAIT_S);
      },
    );
    const backlog = await waitForBacklog(ctx, stack.groupId, BACKLOG_WAIT_S);
    const { rows } = await ctx.db.query<{ trades: number; outbox: number }>(
      `SELECT (SELECT count(*)::int FROM trades) AS trades, (SELECT count(*)::int FROM outbox) AS outbox`,
    );
    // created_at and published_at are now() of the writing and of the relay's transaction: one value per commit.
    const delay = await ctx.db.query<{
      p50: number | null;
      p99: number | null;
      commits: number;
      drains: number;
    }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY d) AS p99,
              count(DISTINCT created_at)::int AS commits, count(DISTINCT published_at)::int AS drains
       FROM (SELECT created_at, published_at, extract(epoch FROM published_at - created_at)::float8 * 1000 AS d
             FROM outbox WHERE published_at IS NOT NULL) s`,
    );
    recordPeaks(ctx, 'ingest');
    const run: IngestRun = {
      connections: INGEST_CONNECTIONS,
      warmupS: WARMUP_S,
      durationS: ctx.config.ingestDurationS,
      baseline,
      api,
      ratio: api.perSecond / baseline.perSecond,
      apiAccepted: warmupOk,
      tradesRecorded: rows[0]?.trades ?? 0,
      outboxRows: rows[0]?.outbox ?? 0,
      relayDelayMs: { p50: delay.rows[0]?.p50 ?? null, p99: delay.rows[0]?.p99 ?? null },
      writeCommits: delay.rows[0]?.commits ?? 0,
      relayDrains: delay.rows[0]?.drains ?? 0,
      backlogDrainSeconds: backlog.seconds,
      backlogLeft: backlog.left,
    };
    log(
      `ingest: api ${fmt(api.perSecond)} POST/s (${fmt(run.ratio)}× the baseline), p50 ${fmt(api.p50)} ms, ` +
        `p99 ${fmt(api.p99)} ms, ${api.non2xx} non-2xx, ${api.errors} errors; api CPU ` +
        `${fmt(api.cpuMsPerRequest['server'] ?? NaN, 3)} ms/request, peak RSS ${fmt(api.peakRssMb ?? NaN, 0)} MB; ` +
        `${run.tradesRecorded} trades and ${run.outboxRows} outbox rows for ${run.apiAccepted} 2xx; ` +
        `${fmt(run.outboxRows / run.writeCommits, 1)} rows per commit, ${fmt(run.outboxRows / run.relayDrains, 1)} per relay drain; ` +
        `relay delay p50 ${fmt(run.relayDelayMs.p50)} ms, p99 ${fmt(run.relayDelayMs.p99)} ms; ` +
        (backlog.seconds === null
          ? `${backlog.left} trades still pending ${BACKLOG_WAIT_S} s after`
          : `all settled ${fmt(backlog.seconds)} s after`),
    );
    return run;
  } finally {
    await stack.stop();
  }
}
