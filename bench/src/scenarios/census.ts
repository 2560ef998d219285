import { KafkaTopic } from '@lotwise/contracts';
import { sleep } from '@lotwise/testing';
import net from 'node:net';
import { join } from 'node:path';
import { BenchContext, CensusResult } from '../context';
import { statusCounts } from '../db';
import { groupProgress } from '../kafka';
import { startMatcher } from '../stack';
import { log } from '../stats';
import { prefill } from './throughput';

const PROXY_PORT = 16201;
const CENSUS_TRADES = 2000;

interface Transaction {
  statements: string[];
}

/**
 * Counts what the matcher asks PostgreSQL per trade: a pass-through TCP proxy between the matcher and the
 * server reads the frontend protocol (Query, Parse, Sync) of every connection. Not timed; the proxy only counts.
 */
class PgCensus {
  readonly transactions: Transaction[] = [];
  outside = 0;
  roundTrips = 0;
  private readonly server: net.Server;

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {
    this.server = net.createServer((client) => this.connection(client));
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private connection(client: net.Socket): void {
    const upstream = net.connect(this.upstreamPort, this.upstreamHost);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    let buffer = Buffer.alloc(0);
    let started = false;
    let current: Transaction | null = null;
    client.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          // StartupMessage (or SSLRequest): int32 length, no type byte.
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (code !== 80877103) started = true;
          continue;
        }
        if (buffer.length < 5) return;
        const type = String.fromCharCode(buffer[0] as number);
        const length = buffer.readInt32BE(1);
        if (buffer.length < length + 1) return;
        const body = buffer.subarray(5, length + 1);
        buffer = buffer.subarray(length + 1);
        let sql: string | null = null;
        if (type === 'Q') sql = body.subarray(0, body.indexOf(0)).toString('utf8');
        if (type === 'P') {
          const nameEnd = body.indexOf(0);
          sql = body.subarray(nameEnd + 1, body.indexOf(0, nameEnd + 1)).toString('utf8');
        }
        if (type === 'Q' || type === 'S') this.roundTrips++;
        if (sql === null) continue;
        const shape = sql.replace(/\s+/g, ' ').trim();
        if (/^(START TRANSACTION|BEGIN)/i.test(shape)) current = { statements: [] };
        if (current) current.statements.push(shape);
        else this.outside++;
        if (current && /^(COMMIT|ROLLBACK)/i.test(shape)) {
          this.transactions.push(current);
          current = null;
        }
      }
    });
  }
}

function kindOf(transaction: Transaction): string {
  const text = transaction.statements.join('\n');
  if (/INSERT INTO "lots"/i.test(text)) return 'buy (applied)';
  if (/INSERT INTO "realized_pnl"/i.test(text)) return 'sell (applied)';
  if (/SELECT \$1::numeric < \$2::numeric/.test(text)) return 'sell (rejected: short)';
  return 'other';
}

/** Statements and round trips per trade, by kind of trade, for the generated mix of figure 1. */
export async function measureCensus(ctx: BenchContext): Promise<CensusResult> {
  const { config } = ctx;
  const count = Math.min(CENSUS_TRADES, config.trades);
  log(`census: counting the matcher's SQL for ${count} trades through a counting proxy…`);
  const { ends } = await prefill(ctx, count, config.seed + 50);
  const census = new PgCensus(config.postgres.host, config.postgres.port);
  await census.listen(PROXY_PORT);
  const groupId = `bench-census-${Date.now()}`;
  const matcher = await startMatcher(config, join(ctx.logDir, 'census'), 0, groupId, {
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: String(PROXY_PORT),
  });
  try {
    const deadline = Date.now() + 120_000;
    while (!(await groupProgress(ctx.admin, groupId, KafkaTopic.TradeSubmitted, ends)).done) {
      if (Date.now() > deadline)
        throw new Error('census: the matcher did not settle the trades within 120 s');
      await sleep(250);
    }
  } finally {
    await matcher.stop();
    await census.close();
  }
  const statuses = await statusCounts(ctx.db);
  const settled = statuses.APPLIED + statuses.REJECTED;
  const byKind = new Map<string, { transactions: number; statements: number }>();
  const shapes = new Map<string, number>();
  let statements = 0;
  for (const tx of census.transactions) {
    const kind = kindOf(tx);
    const entry = byKind.get(kind) ?? { transactions: 0, statements: 0 };
    entry.transactions++;
    entry.statements += tx.statements.length;
    byKind.set(kind, entry);
    statements += tx.statements.length;
    for (const s of tx.statements) {
      const shape = s.length > 90 ? `${s.slice(0, 87)}…` : s;
      shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
    }
  }
  const result: CensusResult = {
    trades: settled,
    // Three decimals: the matcher settles hundreds of trades per transaction, so per-trade counts are small.
    statementsPerTrade: round3(statements / settled),
    roundTripsPerTrade: round3(census.roundTrips / settled),
    commitsPerTrade: round3(census.transactions.length / settled),
    transactionsByKind: Object.fromEntries(
      [...byKind].map(([kind, e]) => [
        kind,
        {
          transactions: e.transactions,
          statementsPerTransaction: Math.round((e.statements / e.transactions) * 100) / 100,
        },
      ]),
    ),
    statementsOutsideTransactions: census.outside,
    topStatements: [...shapes]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14)
      .map(([statement, n]) => ({ statement, perTrade: round3(n / settled) })),
  };
  log(
    `census: ${result.statementsPerTrade} statements and ${result.roundTripsPerTrade} round trips per trade ` +
      `(${Object.entries(result.transactionsByKind)
        .map(([k, v]) => `${k}: ${v.statementsPerTransaction}`)
        .join(', ')})`,
  );
  return result;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
