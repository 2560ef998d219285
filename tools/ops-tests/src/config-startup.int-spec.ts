import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComposeFile, environmentOf, interpolate, loadRawCompose, Service } from './support/compose';
import { parseDotenv, read, root } from './support/workspace';

// The built apps (dist/, what the images run) with a missing or malformed variable stop at once, before
// touching PostgreSQL or Kafka, with one line naming the variable, and exit 1. The environment that
// docker-compose.yml gives them passes the same validation (`--check-config`).

const APPS = [
  { name: 'api', main: 'dist/api/main.js' },
  { name: 'matcher', main: 'dist/matcher/main.js' },
] as const;
/** Quick means no connection attempt: both would retry PostgreSQL and Kafka for much longer than this. */
const QUICK_MS = 15_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a built app with exactly `env` (plus PATH), from an empty working directory's point of view. */
function run(main: string, env: Record<string, string>, args: string[] = []): Promise<Run> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, main), ...args], {
      // A directory without api/.env or matcher/.env: only `env` counts.
      cwd: join(root, 'tools/ops-tests'),
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), QUICK_MS * 2);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - startedAt });
    });
  });
}

/** stderr without Node's own warnings (kafkajs' TimeoutNegativeWarning), which are not the app's output. */
function appLines(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !/^\(node:\d+\)|Timeout duration was set to|Use `node --trace-warnings/.test(line));
}

describe.each(APPS)('$name (built) with bad configuration', ({ main }) => {
  beforeAll(() => {
    if (!existsSync(join(root, main))) throw new Error(`${main} is missing: run nx build first`);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a malformed POSTGRES_PORT',
      { POSTGRES_PORT: 'abc' },
      /POSTGRES_PORT must be a TCP port \(1-65535\), got "abc"/,
    ],
    [
      'a malformed KAFKA_BROKERS',
      { KAFKA_BROKERS: 'nonsense' },
      /KAFKA_BROKERS must be a comma list of host:port, got "nonsense"/,
    ],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of trace, debug, info/],
    [
      'NODE_ENV=production without the database settings',
      { NODE_ENV: 'production', KAFKA_BROKERS: 'kafka:9092' },
      /POSTGRES_HOST is required when NODE_ENV=production/,
    ],
  ])('%s: exits 1 at once, with one line naming it', async (_label, env, message) => {
    const result = await run(main, env);
    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(QUICK_MS);
    const lines = appLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: /);
    expect(lines[0]).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('--check-config names the bad variable the same way', async () => {
    const result = await run(main, { PORT: '0', MATCHER_HTTP_PORT: '0' }, ['--check-config']);
    expect(result.code).toBe(1);
    expect(appLines(result.stderr)).toEqual([
      expect.stringMatching(/^Invalid configuration: .*PORT must be a TCP port/),
    ]);
  });
});

describe.each(APPS)('$name (built) with the environment docker-compose.yml gives it', ({ name, main }) => {
  it('passes --check-config, in production mode', async () => {
    const compose = interpolate(loadRawCompose(), parseDotenv(read('.env.example'))).value as ComposeFile;
    const env = Object.fromEntries(environmentOf(compose.services[name] as Service));
    expect(env['NODE_ENV']).toBe('production');
    const result = await run(main, env, ['--check-config']);
    expect(appLines(result.stderr)).toEqual([]);
    expect(result.stdout).toMatch(/^Configuration OK/);
    expect(result.code).toBe(0);
  });
});

describe.each(APPS)('$name build output, as the image installs it', ({ name, main }) => {
  const dist = join(root, 'dist', name);

  it('lists in its generated package.json every package main.js requires, PostgreSQL driver included', () => {
    const pkg = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const bundle = readFileSync(join(root, main), 'utf8');
    const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)]
      .map((m) => m[1] as string)
      .filter((id) => !id.startsWith('node:') && !id.startsWith('.'))
      .map((id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : (id.split('/')[0] as string)));
    // pino-pretty is optional at run time (LOG_FORMAT=pretty, development only): a dev dependency.
    const missing = [...new Set(required)].filter((id) => id !== 'pino-pretty' && !pkg.dependencies[id]);
    expect(missing).toEqual([]);
    // TypeORM loads its driver by name at run time; the data lib names it so the build lists it.
    expect(pkg.dependencies['pg']).toBeDefined();
    expect(pkg.dependencies['pino-pretty']).toBeUndefined();
    const lock = JSON.parse(readFileSync(join(dist, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    for (const id of Object.keys(pkg.dependencies)) expect(lock.packages[`node_modules/${id}`]).toBeDefined();
  });
});
