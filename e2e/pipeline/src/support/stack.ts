import { SubmitTradeRequest, Trade, TradeStatus } from '@lotwise/contracts';
import { NodeProcess, startNodeScript, uniqueAccount, waitForHttp, waitUntil } from '@lotwise/testing';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';

// Drives the built apps (dist/) as real processes against the real PostgreSQL and Kafka of the test run.

// The specs take the shared process helpers from here, with the rest of the stack.
export { stopProcess as stop } from '@lotwise/testing';
export { uniqueAccount, waitUntil };

export const root = process.env['LOTWISE_ROOT'] ?? join(__dirname, '../../../..');
const logDir = join(root, 'test-output', 'e2e-logs');

export const kafkaBrokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092';

export type AppProcess = NodeProcess;

export async function startApi(port: number): Promise<AppProcess> {
  const app = startNodeScript({
    name: `api-${port}`,
    root,
    script: 'dist/api/main.js',
    logDir,
    env: { PORT: String(port), HOST: '127.0.0.1' },
  });
  await waitForHttp(app, {
    what: `api on :${port}`,
    url: `http://127.0.0.1:${port}/trades?limit=1`,
    requireOk: true,
  });
  return app;
}

export async function startMatcher(
  healthPort: number,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const app = startNodeScript({
    name: `matcher-${healthPort}`,
    root,
    script: 'dist/matcher/main.js',
    logDir,
    env: { MATCHER_HTTP_PORT: String(healthPort), HOST: '127.0.0.1', ...env },
  });
  await waitForHttp(app, {
    what: `matcher on :${healthPort}`,
    url: `http://127.0.0.1:${healthPort}/health`,
    requireOk: false,
  });
  return app;
}

/**
 * Stops or starts the test run's own broker (scripts/kafka/kafka.sh with its port). Asynchronous on purpose:
 * blocking the event loop for the seconds a broker takes would leave pooled HTTP sockets that the api closed
 * meanwhile looking reusable, and the next request on one fails with "other side closed".
 */
export function kafkaBroker(action: 'stop' | 'start'): Promise<void> {
  const port = kafkaBrokers.split(',')[0]?.split(':')[1] ?? '19092';
  return runCommand('bash', [join(root, 'scripts/kafka/kafka.sh'), action], { LOTWISE_KAFKA_PORT: port });
}

/** Runs a command to completion without blocking the event loop; rejects with its output if it fails. */
export function runCommand(command: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${output}`)),
    );
  });
}

export function database(): Pool {
  const pool = new Pool({
    host: process.env['POSTGRES_HOST'] ?? '127.0.0.1',
    port: Number(process.env['POSTGRES_PORT'] ?? 5432),
    user: process.env['POSTGRES_USER'] ?? 'postgres',
    password: process.env['POSTGRES_PASSWORD'],
    database: process.env['POSTGRES_DB'] ?? 'lotwise_test',
    max: 4,
  });
  // An idle connection dropped by a database restart is replaced on the next query; it is no test failure.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Polls every few milliseconds until another session holds a write lock on the books (positions, lots or
 * realized_pnl): only the matcher writes them, so it is in the middle of a settlement transaction. Answers
 * false if that did not happen within `timeoutMs`.
 */
export async function untilBooksBeingWritten(db: Pool, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ busy: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
          WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.pid <> pg_backend_pid() AND l.granted AND l.mode <> 'AccessShareLock'
            AND c.relname IN ('positions', 'lots', 'realized_pnl')) AS busy`,
    );
    if (rows[0]?.busy) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return false;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  async submit(trade: SubmitTradeRequest): Promise<Trade> {
    const { status, body } = await this.post('/trades', trade);
    if (status !== 202 && status !== 200)
      throw new Error(`POST /trades answered ${status}: ${JSON.stringify(body)}`);
    return body as Trade;
  }

  async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`);
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return (await response.json()) as T;
  }

  /** Polls until every trade is APPLIED or REJECTED. */
  async settled(ids: string[], timeoutMs = 60_000): Promise<Trade[]> {
    const result = new Map<string, Trade>();
    await waitUntil(`${ids.length} trades to settle`, timeoutMs, async () => {
      for (const id of ids) {
        if (result.has(id)) continue;
        const trade = await this.get<Trade>(`/trades/${id}`);
        if (trade.status === TradeStatus.Pending) return false;
        result.set(id, trade);
      }
      return true;
    });
    return ids.map((id) => result.get(id) as Trade);
  }
}
