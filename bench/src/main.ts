import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { parseConfig } from './config';
import { BenchContext, BenchResults } from './context';
import { backendPids, pgSettings, recreateDatabase } from './db';
import { APP_TOPICS, createKafka, recreateTopics, SCRATCH_TOPIC, waitForKafka } from './kafka';
import { findProfiles, summarizeProfile } from './profile';
import { writeReport } from './report';
import { MemoryPeak, Sampler } from './sampler';
import { measureApi } from './scenarios/api';
import { measureBackdate } from './scenarios/backdate';
import { measureBaselines } from './scenarios/baselines';
import { loadBooks } from './scenarios/books';
import { measureCensus } from './scenarios/census';
import { measureEndToEnd } from './scenarios/e2e';
import { measureHot } from './scenarios/hot';
import { measureIngest } from './scenarios/ingest';
import { measureReads } from './scenarios/reads';
import { measureSellCost } from './scenarios/sells';
import { measureThroughput } from './scenarios/throughput';
import { buildApps, kafkaPid, loadAverage, startKafka, stopAll, waitForQuiet } from './stack';
import { log } from './stats';

const root = resolve(__dirname, '../..');

function commit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout.trim();
  const dirty =
    spawnSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head || 'unknown'}${dirty ? ' (with uncommitted changes)' : ''}`;
}

function kafkaVersion(): string {
  try {
    const jar = readdirSync(join(root, '.cache/kafka/libs')).find((f) => /^kafka_2\.13-.*\.jar$/.test(f));
    return jar?.replace(/^kafka_2\.13-/, '').replace(/\.jar$/, '') ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const loadText = (): string =>
  loadAverage()
    .map((l) => l.toFixed(2))
    .join(' / ');

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env, root);
  if (config.instances.some((n) => n > config.matcherPorts.length)) {
    throw new Error(`--instances may not exceed ${config.matcherPorts.length}`);
  }
  let interrupted = false;
  const interrupt = (signal: string): void => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping everything this run started…`);
    void stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => interrupt('SIGINT'));
  process.on('SIGTERM', () => interrupt('SIGTERM'));

  const started = new Date();
  const results: BenchResults = {
    meta: {},
    baselines: null,
    throughput: [],
    census: null,
    sells: [],
    sellDb: {},
    reads: [],
    readData: null,
    api: [],
    e2e: [],
    memory: {},
    profiles: [],
    notes: [],
  };
  if (config.waitQuiet) {
    log('waiting for a quiet machine (1-minute load average < 1.0, up to 20 min)…');
    await waitForQuiet(1.0, 20);
  }
  const cpuList = cpus();
  results.meta = {
    startedAt: started.toISOString(),
    cpus: `${cpuList.length} × ${cpuList[0]?.model ?? 'unknown CPU'}`,
    node: process.versions.node,
    loadBefore: loadText(),
    commit: commit(),
    kafka: kafkaVersion(),
    config: { ...config, phases: [...config.phases], postgres: { ...config.postgres, password: undefined } },
  };
  const logDir = join(
    config.resultsDir,
    'logs',
    started.toISOString().replace(/[:]/g, '-').replace(/\..*$/, ''),
  );
  const sampler = new Sampler();
  let db: Pool | null = null;
  let monitor: Pool | null = null;
  let failure: unknown = null;
  const kafka = createKafka(config.kafkaPort);
  const admin = kafka.admin();
  let adminConnected = false;
  try {
    if (config.build) buildApps(config);
    log(`recreating database ${config.postgres.database} (init.sql)`);
    await recreateDatabase(config);
    db = new Pool({ ...pgSettings(config), max: 6 });
    monitor = new Pool({ ...pgSettings(config, 'postgres'), max: 1 });
    const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
    results.meta['postgres'] = `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
    startKafka(config);
    await admin.connect();
    adminConnected = true;
    await recreateTopics(admin, [...APP_TOPICS, SCRATCH_TOPIC]);
    await waitForKafka(kafka);

    // CPU accounting: the bench database's backends (refreshed once a second), the broker and this process.
    let backends: number[] = [];
    let backendsAt = 0;
    const pool = monitor;
    sampler.track('postgres', async () => {
      if (Date.now() - backendsAt > 1000) {
        backendsAt = Date.now();
        backends = await backendPids(pool, config.postgres.database);
      }
      return backends;
    });
    sampler.track('kafka', () => kafkaPid(config));
    sampler.track('bench', () => [process.pid]);
    sampler.start();

    const ctx: BenchContext = { config, db, kafka, admin, sampler, logDir, results };
    const phases = config.phases;
    if (phases.has('baselines')) await measureBaselines(ctx);
    if (phases.has('throughput')) {
      for (const instances of config.instances)
        results.throughput.push(await measureThroughput(ctx, instances));
      const peak = (app: string): MemoryPeak | null => {
        const peaks = results.throughput.map((r) => r.memory[app]).filter((p): p is MemoryPeak => !!p);
        if (peaks.length === 0) return null;
        return {
          peakRssMb: Math.max(...peaks.map((p) => p.peakRssMb)),
          hwmMb: Math.max(...peaks.map((p) => p.hwmMb)),
          firstRssMb: Math.min(...peaks.map((p) => p.firstRssMb)),
        };
      };
      results.memory['throughput'] = { matcher: peak('matcher') };
    }
    if (phases.has('census')) results.census = await measureCensus(ctx);
    if (phases.has('reads') || phases.has('sells')) await loadBooks(ctx);
    if (phases.has('reads')) await measureReads(ctx);
    if (phases.has('sells')) await measureSellCost(ctx);
    if (phases.has('api')) await measureApi(ctx);
    if (phases.has('e2e')) await measureEndToEnd(ctx);
    if (phases.has('ingest')) results.ingest = await measureIngest(ctx);
    if (phases.has('hot')) results.hot = await measureHot(ctx);
    if (phases.has('backdate')) results.backdate = await measureBackdate(ctx);
  } catch (error) {
    failure = error;
    results.notes.push(`run failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await sampler.stop();
    if (adminConnected) await admin.disconnect().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await monitor?.end().catch(() => undefined);
    await stopAll();
  }
  if (config.profile) {
    results.profiles = findProfiles(logDir).map((file) => summarizeProfile(file, root));
    results.notes.push(
      'run with --profile: the api and matcher were CPU-profiled, so their figures are slower than usual',
    );
  }
  results.meta['loadAfter'] = loadText();
  results.meta['finishedAt'] = new Date().toISOString();
  results.meta['wallSeconds'] = Math.round((Date.now() - started.getTime()) / 1000);
  const report = writeReport(results, config.resultsDir);
  console.log(`\n${report.table}\n`);
  log(
    `load average before ${String(results.meta['loadBefore'])}, after ${String(results.meta['loadAfter'])}`,
  );
  log(`wrote ${report.json} and ${report.md}; app logs in ${logDir}`);
  if (failure) throw failure;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
