import autocannon from 'autocannon';
import { join } from 'node:path';
import { BenchContext, ReadRun } from '../context';
import { startApi } from '../stack';
import { fmt, log } from '../stats';
import { PNL_ACCOUNT, SELL_ACCOUNT, sellSymbol } from './books';

const READ_BUDGET_S = 30;

/**
 * Figure 5: the first page of GET /positions, of GET /pnl and of the largest position's lots over the loaded
 * books (the reads are paged, so a page's cost must not grow with the books), one request at a time (autocannon).
 */
/** Requests sent before each measured run. */
const READ_WARM_UP = 20;

export async function measureReads(ctx: BenchContext): Promise<void> {
  const { config, sampler } = ctx;
  sampler.resetPeaks();
  const api = await startApi(config, join(ctx.logDir, 'reads'));
  sampler.track('api', () => [api.pid]);
  const largest = Math.max(...config.sellLots);
  const openLots = fmt(ctx.results.readData?.openLots ?? NaN);
  const pnlEntries = fmt(ctx.results.readData?.pnlEntries ?? NaN);
  const targets: Array<{ label: string; path: string }> = [
    // report.ts judges the target on this endpoint.
    { label: `GET /positions (first page, books of ${openLots} open lots)`, path: '/positions' },
    { label: `GET /pnl (first page of ${pnlEntries} entries, totals over all)`, path: '/pnl' },
    {
      label: `GET /positions/:account/:symbol/lots (first page of a position of ${fmt(largest)} lots)`,
      path: `/positions/${SELL_ACCOUNT}/${sellSymbol(largest)}/lots`,
    },
    {
      label: `GET /pnl?account (first page of one position's ${pnlEntries} entries)`,
      path: `/pnl?account=${PNL_ACCOUNT}`,
    },
  ];
  try {
    for (const target of targets) {
      const url = `http://127.0.0.1:${config.apiPort}${target.path}`;
      // One probe sizes the run: as many requests as fit the time budget, at least 5.
      const probeStart = performance.now();
      const probe = await fetch(url);
      const bytes = (await probe.arrayBuffer()).byteLength;
      const probeMs = performance.now() - probeStart;
      const amount = Math.max(
        5,
        Math.min(config.readRequests, Math.floor((READ_BUDGET_S * 1000) / Math.max(1, probeMs))),
      );
      // Unmeasured warm-up, so the figure is the endpoint's and not the JIT's or a cold pool connection's.
      await autocannon({ url, connections: 1, amount: Math.min(READ_WARM_UP, amount), timeout: 60 });
      const result = await autocannon({ url, connections: 1, amount, timeout: 60 });
      const run: ReadRun = {
        endpoint: target.path,
        label: target.label,
        requests: result.requests.total,
        bytes,
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
        mean: result.latency.average,
        non2xx: result.non2xx,
        errors: result.errors,
      };
      ctx.results.reads.push(run);
      log(
        `reads: ${target.label}: p50 ${fmt(run.p50)} ms, p99 ${fmt(run.p99)} ms, ${fmt(bytes / 1024)} KB per answer`,
      );
    }
    ctx.results.memory['reads'] = { api: sampler.peak('api') };
  } finally {
    sampler.untrack('api');
    await api.stop();
  }
}
