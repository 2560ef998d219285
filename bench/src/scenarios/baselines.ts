import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { BenchContext } from '../context';
import { pgSettings } from '../db';
import { singleOpLatencies } from '../kafka';
import { fmt, log } from '../stats';

const PG_SECONDS = 4;
const PG_CONNECTIONS = [1, 3, 8];

/**
 * The machine's own ceilings, measured in the same run: PostgreSQL single-row commits (pgbench, or the same
 * loop in node-postgres when pgbench is missing) and single Kafka round trips. The kafkajs consume rates are
 * taken on the pre-filled topic of figure 1 (see throughput.ts).
 */
export async function measureBaselines(ctx: BenchContext): Promise<void> {
  const { db } = ctx;
  await db.query('DROP TABLE IF EXISTS bench_commit');
  await db.query(
    'CREATE TABLE bench_commit (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v INT NOT NULL)',
  );
  const pgbench = spawnSync('pgbench', ['--version'], { encoding: 'utf8' }).status === 0;
  const pgCommits: Array<{ connections: number; perSecond: number; latencyMs: number | null }> = [];
  try {
    for (const connections of PG_CONNECTIONS) {
      const result = pgbench ? runPgbench(ctx, connections) : await insertLoop(ctx, connections);
      pgCommits.push({ connections, ...result });
      log(
        `baseline: PostgreSQL single-row INSERT commits, ${connections} connection(s): ${fmt(result.perSecond)}/s` +
          (pgbench ? ' (pgbench)' : ' (node-postgres loop)'),
      );
    }
  } finally {
    await db.query('DROP TABLE IF EXISTS bench_commit');
  }

  const kafka = await singleOpLatencies(ctx.kafka);
  log(
    `baseline: Kafka round trips, one at a time: produce (acks=all) ${fmt(kafka.produceMs)} ms, offset commit ${fmt(kafka.commitMs)} ms`,
  );
  ctx.results.baselines = {
    pgbench,
    pgCommits,
    kafkaProduceMs: kafka.produceMs,
    kafkaCommitMs: kafka.commitMs,
    // Measured on the pre-filled trades topic of figure 1, right before the matcher drains it.
    kafkaProducePerSecond: null,
    kafkaRawConsumePerSecond: null,
    kafkaPerMessagePerSecond: null,
    kafkaMessages: 0,
  };
}

function runPgbench(ctx: BenchContext, connections: number): { perSecond: number; latencyMs: number | null } {
  const { host, port, user, password, database } = ctx.config.postgres;
  const dir = mkdtempSync(join(tmpdir(), 'lotwise-bench-'));
  const script = join(dir, 'commit.sql');
  writeFileSync(script, 'INSERT INTO bench_commit (v) VALUES (1);\n');
  try {
    const args = ['-h', host, '-p', String(port), '-U', user, '-n', '-M', 'prepared', '-f', script];
    args.push(
      '-c',
      String(connections),
      '-j',
      String(Math.min(connections, 2)),
      '-T',
      String(PG_SECONDS),
      database,
    );
    const result = spawnSync('pgbench', args, {
      encoding: 'utf8',
      env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
    });
    if (result.status !== 0) throw new Error(`pgbench failed: ${result.stderr}`);
    const tps = /tps = ([\d.]+)/.exec(result.stdout)?.[1];
    const latency = /latency average = ([\d.]+) ms/.exec(result.stdout)?.[1];
    if (!tps) throw new Error(`could not read pgbench output: ${result.stdout}`);
    return { perSecond: Number(tps), latencyMs: latency ? Number(latency) : null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pgbench-less equivalent: each connection INSERTs one row per autocommit transaction for PG_SECONDS. */
async function insertLoop(
  ctx: BenchContext,
  connections: number,
): Promise<{ perSecond: number; latencyMs: number | null }> {
  const pool = new Pool({ ...pgSettings(ctx.config), max: connections });
  try {
    const deadline = performance.now() + PG_SECONDS * 1000;
    let commits = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await pool.connect();
        try {
          while (performance.now() < deadline) {
            await client.query({ name: 'commit', text: 'INSERT INTO bench_commit (v) VALUES (1)' });
            commits++;
          }
        } finally {
          client.release();
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: commits / seconds, latencyMs: (seconds * 1000 * connections) / commits };
  } finally {
    await pool.end();
  }
}
