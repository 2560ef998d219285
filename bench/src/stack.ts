import { NodeProcess, sleep, startNodeScript, stopProcess, waitForHttp } from '@lotwise/testing';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchConfig } from './config';
import { log } from './stats';

/** Everything the run started, stopped in reverse order by `stopAll` whatever happened. */
const cleanups: Array<{ what: string; run: () => Promise<void> | void }> = [];

export function onCleanup(what: string, run: () => Promise<void> | void): void {
  cleanups.push({ what, run });
}

export async function stopAll(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    if (!cleanup) break;
    try {
      await cleanup.run();
    } catch (error) {
      console.error(
        `[bench] could not stop ${cleanup.what}: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
}

function run(config: BenchConfig, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(cmd, args, { cwd: config.root, stdio: 'inherit', env });
  if (result.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

export function buildApps(config: BenchConfig): void {
  log('building api and matcher (nx run-many -t build -p api matcher)…');
  run(config, join(config.root, 'node_modules/.bin/nx'), [
    'run-many',
    '-t',
    'build',
    '-p',
    'api',
    'matcher',
    '--outputStyle=static',
  ]);
}

// ---------------------------------------------------------------- Kafka

function kafkaEnv(config: BenchConfig): NodeJS.ProcessEnv {
  return { ...process.env, LOTWISE_KAFKA_PORT: String(config.kafkaPort) };
}

/** A fresh broker of the bench's own on its own port (scripts/kafka/kafka.sh reset + start). */
export function startKafka(config: BenchConfig): void {
  const script = join(config.root, 'scripts/kafka/kafka.sh');
  log(`starting a fresh Kafka broker on 127.0.0.1:${config.kafkaPort}`);
  run(config, 'bash', [script, 'reset'], kafkaEnv(config));
  onCleanup('Kafka', () => run(config, 'bash', [script, 'stop'], kafkaEnv(config)));
  run(config, 'bash', [script, 'start'], kafkaEnv(config));
}

export function kafkaPid(config: BenchConfig): number[] {
  try {
    const pid = Number(
      readFileSync(join(config.root, '.run', `kafka-${config.kafkaPort}`, 'kafka.pid'), 'utf8').trim(),
    );
    return Number.isInteger(pid) && pid > 0 ? [pid] : [];
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- apps

export interface AppProcess extends NodeProcess {
  pid: number;
  /** With --profile: starts the CPU profiler (called once the app is ready). */
  beginProfile(): void;
  stop(): Promise<void>;
}

export function appEnv(config: BenchConfig, extra: Record<string, string>): NodeJS.ProcessEnv {
  const { host, port, user, password, database } = config.postgres;
  return {
    ...process.env,
    POSTGRES_HOST: host,
    POSTGRES_PORT: String(port),
    POSTGRES_USER: user,
    ...(password ? { POSTGRES_PASSWORD: password } : {}),
    POSTGRES_DB: database,
    KAFKA_BROKERS: `127.0.0.1:${config.kafkaPort}`,
    HOST: '127.0.0.1',
    // What production logs: JSON lines at info (one per request on the api, one per settled chunk on the matcher).
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

function productionNodeOptions(config: BenchConfig): string {
  const manifest = JSON.parse(readFileSync(join(config.root, 'package.json'), 'utf8')) as {
    config?: { appNodeOptions?: string };
  };
  return manifest.config?.appNodeOptions ?? '';
}

function startNode(
  config: BenchConfig,
  logDir: string,
  name: string,
  script: string,
  appVariables: NodeJS.ProcessEnv,
): AppProcess {
  const profileFile = config.profile ? join(logDir, `${name}.cpuprofile`) : null;
  // The apps get the heap limits they run with in production (package.json config.appNodeOptions, as in the
  // images); BENCH_APP_NODE_OPTIONS adds to them (e.g. other limits to try), not to the bench process itself.
  const nodeOptions = [
    productionNodeOptions(config),
    appVariables['NODE_OPTIONS'],
    process.env['BENCH_APP_NODE_OPTIONS'],
    profileFile ? `--require ${join(config.root, 'bench/profiler/preload.cjs')}` : undefined,
  ]
    .filter((o) => o)
    .join(' ');
  const env: NodeJS.ProcessEnv = {
    ...appVariables,
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    ...(profileFile ? { LOTWISE_BENCH_PROFILE: profileFile } : {}),
  };
  // The app writes its log itself (nothing passes through the bench process) and each run adds to it.
  const started = startNodeScript({
    name,
    root: config.root,
    script,
    logDir,
    env,
    output: 'file',
    appendLog: true,
  });
  const { child } = started;
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const app: AppProcess = {
    ...started,
    pid: child.pid,
    beginProfile() {
      if (profileFile) child.kill('SIGUSR2');
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (profileFile) {
        // The preload writes the CPU profile on SIGUSR2; give it a few seconds before shutting down.
        child.kill('SIGUSR2');
        const deadline = Date.now() + 10_000;
        while (!existsSync(profileFile) && Date.now() < deadline) await sleep(100);
        await sleep(300);
      }
      await stopProcess(started, 'SIGTERM', 15_000);
    },
  };
  onCleanup(name, () => app.stop());
  return app;
}

export async function startApi(config: BenchConfig, logDir: string): Promise<AppProcess> {
  const app = startNode(
    config,
    logDir,
    'api',
    'dist/api/main.js',
    appEnv(config, { PORT: String(config.apiPort), CORS_ORIGINS: 'http://localhost:3000' }),
  );
  await waitForHttp(app, {
    what: `api on :${config.apiPort}`,
    url: `http://127.0.0.1:${config.apiPort}/trades?limit=1`,
    requireOk: true,
  });
  app.beginProfile();
  return app;
}

export async function startMatcher(
  config: BenchConfig,
  logDir: string,
  index: number,
  groupId: string,
  extra: Record<string, string> = {},
): Promise<AppProcess> {
  const port = config.matcherPorts[index] ?? config.matcherPorts[0] + index;
  const app = startNode(
    config,
    logDir,
    `matcher-${index + 1}`,
    'dist/matcher/main.js',
    appEnv(config, { MATCHER_HTTP_PORT: String(port), MATCHER_CONSUMER_GROUP: groupId, ...extra }),
  );
  await waitForHttp(app, {
    what: `matcher on :${port}`,
    url: `http://127.0.0.1:${port}/health`,
    requireOk: false,
  });
  app.beginProfile();
  return app;
}

/** Waits until the 1-minute load average is below `threshold` (polling every 30 s, up to `maxMinutes`). */
export async function waitForQuiet(threshold: number, maxMinutes: number): Promise<number> {
  const deadline = Date.now() + maxMinutes * 60_000;
  for (;;) {
    const load = loadAverage()[0];
    if (load < threshold) return load;
    if (Date.now() > deadline) {
      log(`load is still ${load.toFixed(2)} after ${maxMinutes} min; measuring anyway`);
      return load;
    }
    log(`1-minute load average ${load.toFixed(2)} ≥ ${threshold}; waiting 30 s for the machine to quieten`);
    await sleep(30_000);
  }
}

export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [one ?? NaN, five ?? NaN, fifteen ?? NaN];
}
