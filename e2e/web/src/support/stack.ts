import { SubmitTradeRequest, Trade } from '@lotwise/contracts';
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

// Starts the built api and matcher (dist/) as real processes against the PostgreSQL and Kafka of the
// test run (POSTGRES_* and KAFKA_BROKERS come from scripts/lotwise.mjs, or from the shell).

export const root = process.env['LOTWISE_ROOT'] ?? join(__dirname, '../../../..');
const logDir = join(root, 'test-output', 'e2e-logs');

export interface AppProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | string | null>;
}

function startNode(name: string, script: string, env: Record<string, string>): AppProcess {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'w' });
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  return { name, logFile, child, exited };
}

export async function startApi(port: number): Promise<AppProcess> {
  const app = startNode(`web-e2e-api-${port}`, 'dist/api/main.js', { PORT: String(port), HOST: '127.0.0.1' });
  await waitUntil(`api on :${port} (log: ${app.logFile})`, 60_000, async () => {
    if (app.child.exitCode !== null)
      throw new Error(`api exited with ${app.child.exitCode}; see ${app.logFile}`);
    return fetch(`http://127.0.0.1:${port}/trades?limit=1`).then(
      (r) => r.ok,
      () => false,
    );
  });
  return app;
}

export async function startMatcher(healthPort: number): Promise<AppProcess> {
  const app = startNode(`web-e2e-matcher-${healthPort}`, 'dist/matcher/main.js', {
    MATCHER_HTTP_PORT: String(healthPort),
    HOST: '127.0.0.1',
  });
  await waitUntil(`matcher on :${healthPort} (log: ${app.logFile})`, 60_000, async () => {
    if (app.child.exitCode !== null) {
      throw new Error(`matcher exited with ${app.child.exitCode}; see ${app.logFile}`);
    }
    return fetch(`http://127.0.0.1:${healthPort}/health`).then(
      () => true,
      () => false,
    );
  });
  return app;
}

export async function stop(app: AppProcess | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 20_000);
  await app.exited;
  clearTimeout(timer);
}

/** Records a trade straight through the REST api, as another client would. */
export async function postTrade(apiUrl: string, trade: SubmitTradeRequest): Promise<Trade> {
  const response = await fetch(`${apiUrl}/trades`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(trade),
  });
  const body = (await response.json()) as unknown;
  if (response.status !== 202 && response.status !== 200) {
    throw new Error(`POST /trades answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body as Trade;
}

export async function waitUntil(
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A fresh account per test, so runs and tests never see each other's books. */
export function uniqueAccount(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
