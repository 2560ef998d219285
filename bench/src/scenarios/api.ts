import { KafkaTopic } from '@lotwise/contracts';
import { sleep } from '@lotwise/testing';
import autocannon from 'autocannon';
import { join } from 'node:path';
import { ApiRun, BenchContext } from '../context';
import { truncateBooks } from '../db';
import { APP_TOPICS, groupProgress, recreateTopics, topicEnds } from '../kafka';
import { MemoryPeak } from '../sampler';
import { AppProcess, startApi, startMatcher } from '../stack';
import { fmt, httpLoadFigures, log } from '../stats';
import { requestBodies } from '../trades';

/** Requests each autocannon connection sends per second: connections = rate / 20. */
const PER_CONNECTION_RATE = 20;
const WARMUP_S = 3;
const WARMUP_RATE = 50;
const BACKLOG_WAIT_S = 30;

export interface RunningStack {
  api: AppProcess;
  matcher: AppProcess;
  groupId: string;
  stop(): Promise<void>;
}

/** api + one matcher on an empty database and fresh topics: the stack of figures 3 and 4, new for every rate. */
export async function startStack(ctx: BenchContext, label: string): Promise<RunningStack> {
  await truncateBooks(ctx.db);
  await recreateTopics(ctx.admin, APP_TOPICS);
  const groupId = `bench-live-${Date.now()}`;
  const logDir = join(ctx.logDir, label);
  const [matcher, api] = await Promise.all([
    startMatcher(ctx.config, logDir, 0, groupId),
    startApi(ctx.config, logDir),
  ]);
  ctx.sampler.resetPeaks();
  ctx.sampler.track('api', () => [api.pid]);
  ctx.sampler.track('matcher', () => [matcher.pid]);
  return {
    api,
    matcher,
    groupId,
    async stop() {
      ctx.sampler.untrack('api');
      ctx.sampler.untrack('matcher');
      await Promise.all([api.stop(), matcher.stop()]);
    },
  };
}

/** Keeps the highest peak per app over the stacks of one figure. */
export function recordPeaks(ctx: BenchContext, figure: string): void {
  const peaks = (ctx.results.memory[figure] ??= {});
  for (const app of ['api', 'matcher']) {
    const peak = ctx.sampler.peak(app);
    const known: MemoryPeak | null = peaks[app] ?? null;
    if (!peak) continue;
    peaks[app] = known
      ? {
          peakRssMb: Math.max(known.peakRssMb, peak.peakRssMb),
          hwmMb: Math.max(known.hwmMb, peak.hwmMb),
          firstRssMb: Math.min(known.firstRssMb, peak.firstRssMb),
        }
      : { ...peak };
  }
}

/**
 * Waits (up to `timeoutS`) until the relay has published every outbox row and the matcher has committed every
 * message; returns the seconds waited (null on timeout) and what was still unsettled.
 */
export async function waitForBacklog(
  ctx: BenchContext,
  groupId: string,
  timeoutS: number,
): Promise<{ seconds: number | null; left: number }> {
  const started = performance.now();
  for (;;) {
    const { rows } = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM trades WHERE status = 'PENDING'",
    );
    const pending = rows[0]?.n ?? 0;
    const ends = await topicEnds(ctx.admin, KafkaTopic.TradeSubmitted);
    const progress = await groupProgress(ctx.admin, groupId, KafkaTopic.TradeSubmitted, ends);
    if (pending === 0 && progress.done) return { seconds: (performance.now() - started) / 1000, left: 0 };
    if ((performance.now() - started) / 1000 > timeoutS) return { seconds: null, left: pending };
    await sleep(250);
  }
}

/** Figure 3: POST /trades at fixed rates with autocannon (overallRate over rate/20 connections). */
export async function measureApi(ctx: BenchContext): Promise<void> {
  const { config, sampler } = ctx;
  const bodies = requestBodies(config.seed + 300, 20_000).map((b) => JSON.stringify(b));
  let next = 0;
  const request: autocannon.Request = {
    method: 'POST',
    path: '/trades',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
  };
  const url = `http://127.0.0.1:${config.apiPort}`;
  for (const rate of config.rates) {
    const stack = await startStack(ctx, `api-${rate}`);
    try {
      await autocannon({
        url,
        requests: [request],
        connections: 5,
        overallRate: WARMUP_RATE,
        duration: WARMUP_S,
      });
      await waitForBacklog(ctx, stack.groupId, BACKLOG_WAIT_S);
      const connections = Math.max(5, Math.round(rate / PER_CONNECTION_RATE));
      const cpuFrom = await sampler.snapshot();
      const result = await autocannon({
        url,
        requests: [request],
        connections,
        overallRate: rate,
        duration: config.durationS,
        timeout: 10,
      });
      const cpuTo = await sampler.snapshot();
      const backlog = await waitForBacklog(ctx, stack.groupId, BACKLOG_WAIT_S);
      const cpu = sampler.split(cpuFrom, cpuTo);
      const achieved = result.requests.total / result.duration;
      const cpuMsPerRequest: Record<string, number> = {};
      for (const [group, cores] of Object.entries(cpu.cores)) {
        cpuMsPerRequest[group] = Math.round(((cores * 1000) / achieved) * 100) / 100;
      }
      const run: ApiRun = {
        rate,
        connections,
        durationS: config.durationS,
        ...httpLoadFigures(result),
        achievedPerSecond: achieved,
        backlogDrainSeconds: backlog.seconds,
        backlogLeft: backlog.left,
        cpu,
        cpuMsPerRequest,
      };
      ctx.results.api.push(run);
      log(
        `api: POST /trades at ${rate} req/s (${connections} connections): p50 ${fmt(run.p50)} ms, p99 ${fmt(run.p99)} ms, ` +
          `${run.non2xx} non-2xx, ${run.errors} errors; api CPU ${fmt(cpuMsPerRequest['api'] ?? NaN)} ms/request; ` +
          (backlog.seconds === null
            ? `${backlog.left} trades still pending ${BACKLOG_WAIT_S} s after`
            : `all settled ${fmt(backlog.seconds)} s after`),
      );
      recordPeaks(ctx, 'api');
    } finally {
      await stack.stop();
    }
  }
}
