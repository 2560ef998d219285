import { KafkaTopic, TradeSubmittedEvent } from '@lotwise/contracts';
import { sleep } from '@lotwise/testing';
import { join } from 'node:path';
import { BenchContext, ThroughputRun } from '../context';
import {
  activityPer,
  dbActivity,
  insertPendingTrades,
  statusCounts,
  truncateBooks,
  vacuumAnalyze,
} from '../db';
import {
  APP_TOPICS,
  groupProgress,
  perMessageCeiling,
  produceAll,
  rawConsumeRate,
  recreateTopics,
  submittedMessage,
  topicEnds,
} from '../kafka';
import { AppProcess, startMatcher } from '../stack';
import { fmt, log } from '../stats';
import { generateTrades } from '../trades';

const PIPELINE = ['matcher', 'postgres', 'kafka'];
const PER_MESSAGE_SECONDS = 10;

/** Recorded trades with their events on a fresh trades topic: the matcher's input, bypassing the api. */
export async function prefill(
  ctx: BenchContext,
  count: number,
  seed: number,
): Promise<{ ids: string[]; ends: Map<number, bigint>; insertPerSecond: number; producePerSecond: number }> {
  await truncateBooks(ctx.db);
  await recreateTopics(ctx.admin, APP_TOPICS);
  const receivedAt = new Date();
  const trades = generateTrades(seed, count, new Date(receivedAt.getTime() - 48 * 3600_000));
  const started = performance.now();
  const ids = await insertPendingTrades(ctx.db, trades, receivedAt);
  const insertPerSecond = count / ((performance.now() - started) / 1000);
  const messages = trades.map((t, i) => {
    const event: TradeSubmittedEvent = {
      eventVersion: 1,
      tradeId: ids[i] as string,
      account: t.account,
      symbol: t.symbol,
      qty: t.qty,
      price: t.price,
      executedAt: t.executedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
    };
    return submittedMessage(event);
  });
  const producePerSecond = await produceAll(ctx.kafka, KafkaTopic.TradeSubmitted, messages);
  const ends = await topicEnds(ctx.admin, KafkaTopic.TradeSubmitted);
  const total = [...ends.values()].reduce((a, b) => a + b, 0n);
  if (total !== BigInt(count)) throw new Error(`the trades topic holds ${total} messages, expected ${count}`);
  await vacuumAnalyze(ctx.db);
  return { ids, ends, insertPerSecond, producePerSecond };
}

interface Sample {
  t: number;
  committed: number;
}

/** Time at which `target` messages were committed, interpolated between samples. */
function timeAt(samples: Sample[], target: number): number | null {
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as Sample;
    const b = samples[i] as Sample;
    if (b.committed >= target && a.committed < target) {
      return a.t + ((target - a.committed) / (b.committed - a.committed)) * (b.t - a.t);
    }
  }
  return null;
}

/**
 * Figure 1: a topic pre-filled with N trades, drained to empty (every partition's committed offset at its high
 * watermark) by 1 or 2 matcher instances in a fresh consumer group. On the first run the raw kafkajs baselines
 * read the same topic first, in groups of their own.
 */
export async function measureThroughput(ctx: BenchContext, instances: number): Promise<ThroughputRun> {
  const { config, admin, sampler } = ctx;
  const count = config.trades;
  log(`throughput: pre-filling ${fmt(count)} trades for ${instances} matcher instance(s)…`);
  const { ends, insertPerSecond, producePerSecond } = await prefill(ctx, count, config.seed + instances);
  log(`throughput: recorded ${fmt(insertPerSecond)} trades/s, produced ${fmt(producePerSecond)} events/s`);
  const baselines = ctx.results.baselines;
  if (baselines && baselines.kafkaRawConsumePerSecond === null) {
    const raw = await rawConsumeRate(ctx.kafka, KafkaTopic.TradeSubmitted, count);
    const perMessage = await perMessageCeiling(
      ctx.kafka,
      KafkaTopic.TradeSubmitted,
      count,
      PER_MESSAGE_SECONDS,
    );
    Object.assign(baselines, {
      kafkaProducePerSecond: producePerSecond,
      kafkaRawConsumePerSecond: raw.perSecond,
      kafkaPerMessagePerSecond: perMessage.perSecond,
      kafkaMessages: count,
    });
    log(
      `baseline: kafkajs raw consume ${fmt(raw.perSecond)} msg/s; per message (consume + produce + commit, ` +
        `all partitions at once) ${fmt(perMessage.perSecond)} msg/s`,
    );
  }

  const groupId = `bench-matcher-${instances}-${Date.now()}`;
  const before = await dbActivity(ctx.db);
  const matchers: AppProcess[] = [];
  sampler.resetPeaks();
  sampler.track('matcher', () => matchers.map((m) => m.pid));
  try {
    const logDir = join(ctx.logDir, `throughput-${instances}`);
    matchers.push(
      ...(await Promise.all(
        Array.from({ length: instances }, (_, i) => startMatcher(config, logDir, i, groupId)),
      )),
    );
    const samples: Sample[] = [];
    const started = performance.now();
    let stableAt: number | null = instances === 1 ? started : null;
    let first: Sample | null = null;
    let cpuFrom = await sampler.snapshot();
    let lastLog = started;
    let progress = { committed: 0, total: count, done: false };
    for (;;) {
      progress = await groupProgress(admin, groupId, KafkaTopic.TradeSubmitted, ends);
      const t = performance.now();
      samples.push({ t, committed: progress.committed });
      if (first === null && progress.committed > 0) {
        first = { t, committed: progress.committed };
        cpuFrom = await sampler.snapshot();
      }
      if (stableAt === null) {
        const [group] = (await admin.describeGroups([groupId])).groups;
        if (group?.state === 'Stable' && group.members.length === instances) stableAt = performance.now();
      }
      if (progress.done) break;
      const elapsed = (t - (first?.t ?? started)) / 1000;
      if (elapsed > config.drainTimeoutS) {
        log(`throughput: drain not finished after ${config.drainTimeoutS} s; stopping and extrapolating`);
        break;
      }
      for (const m of matchers) {
        if (m.child.exitCode !== null)
          throw new Error(`${m.name} exited with ${m.child.exitCode}; see ${m.logFile}`);
      }
      if (t - lastLog > 10_000) {
        lastLog = t;
        log(
          `throughput: ${fmt(progress.committed)}/${fmt(count)} settled (${fmt(progress.committed / elapsed)}/s so far)`,
        );
      }
      await sleep(250);
    }
    const cpuTo = await sampler.snapshot();
    const end = samples[samples.length - 1] as Sample;
    const drained = progress.done;
    // Sustained: from 10 % done (and the group stable) to 90 % done, or to where the run stopped.
    const windowStart = Math.max(timeAt(samples, count * 0.1) ?? Infinity, stableAt ?? Infinity);
    const startSample = samples.find((s) => s.t >= windowStart) ?? (samples[0] as Sample);
    const windowEnd = drained ? (timeAt(samples, count * 0.9) ?? end.t) : end.t;
    const endCommitted = drained ? count * 0.9 : end.committed;
    const sustained =
      windowEnd > startSample.t
        ? (endCommitted - startSample.committed) / ((windowEnd - startSample.t) / 1000)
        : NaN;
    const drainSeconds = (end.t - (first?.t ?? started)) / 1000;
    const overall = end.committed / drainSeconds;
    for (const m of matchers) await m.stop();
    await sleep(1500); // cumulative statistics reach pg_stat_* at most once a second
    const after = await dbActivity(ctx.db);
    const statuses = await statusCounts(ctx.db);
    const settled = statuses.APPLIED + statuses.REJECTED;
    const cpu = sampler.split(cpuFrom, cpuTo);
    const inWindow = Math.max(1, end.committed - (first?.committed ?? 0));
    const cpuMsPerTrade: Record<string, number> = {};
    for (const [group, cores] of Object.entries(cpu.cores)) {
      cpuMsPerTrade[group] = Math.round(((cores * cpu.seconds * 1000) / inWindow) * 100) / 100;
    }
    const pipelineMs = PIPELINE.reduce((total, g) => total + (cpuMsPerTrade[g] ?? 0), 0);
    const run: ThroughputRun = {
      instances,
      trades: count,
      settled,
      drained,
      sustainedPerSecond: sustained,
      overallPerSecond: overall,
      drainSeconds,
      extrapolatedDrainSeconds: drained ? null : count / sustained,
      insertPerSecond,
      producePerSecond,
      statuses,
      cpu,
      cpuMsPerTrade,
      cpuBoundCeiling: pipelineMs > 0 ? Math.round(2000 / pipelineMs) : null,
      memory: { matcher: sampler.peak('matcher') },
      dbPerTrade: activityPer(before, after, Math.max(1, settled)),
    };
    log(
      `throughput: ${instances} matcher(s): ${fmt(sustained)} trades/s sustained, ${fmt(overall)} overall, ` +
        `${fmt(settled)}/${fmt(count)} settled in ${fmt(drainSeconds)} s (${statuses.APPLIED} applied, ${statuses.REJECTED} rejected); ` +
        `CPU ms/trade ${Object.entries(cpuMsPerTrade)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
    );
    return run;
  } finally {
    sampler.untrack('matcher');
    for (const m of matchers) await m.stop();
  }
}
