import { SubmitTradeRequest, Trade } from '@lotwise/contracts';
import { NodeProcess, startNodeScript, waitForHttp } from '@lotwise/testing';
import { join } from 'node:path';

// Starts the built api and matcher (dist/) as real processes against the PostgreSQL and Kafka of the
// test run (POSTGRES_* and KAFKA_BROKERS come from scripts/lotwise.mjs, or from the shell).

// The specs take the shared process helpers from here, with the rest of the stack.
export { stopProcess as stop, uniqueAccount, waitUntil } from '@lotwise/testing';

export const root = process.env['LOTWISE_ROOT'] ?? join(__dirname, '../../../..');
const logDir = join(root, 'test-output', 'e2e-logs');

export type AppProcess = NodeProcess;

export async function startApi(port: number): Promise<AppProcess> {
  const app = startNodeScript({
    name: `web-e2e-api-${port}`,
    root,
    script: 'dist/api/main.js',
    logDir,
    env: { PORT: String(port), HOST: '127.0.0.1' },
  });
  await waitForHttp(app, {
    what: `api on :${port} (log: ${app.logFile})`,
    url: `http://127.0.0.1:${port}/trades?limit=1`,
    requireOk: true,
  });
  return app;
}

export async function startMatcher(healthPort: number): Promise<AppProcess> {
  const app = startNodeScript({
    name: `web-e2e-matcher-${healthPort}`,
    root,
    script: 'dist/matcher/main.js',
    logDir,
    env: { MATCHER_HTTP_PORT: String(healthPort), HOST: '127.0.0.1' },
  });
  await waitForHttp(app, {
    what: `matcher on :${healthPort} (log: ${app.logFile})`,
    url: `http://127.0.0.1:${healthPort}/health`,
    requireOk: false,
  });
  return app;
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
