#!/usr/bin/env node
// The two README commands live here: `npm start` (the whole product) and `npm test` (every test).
// It must run on the machine's own Node (20+) long enough to install dependencies, then re-runs
// itself on the Node 24 that the `node` devDependency puts in node_modules/.bin.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const command = process.argv[2] ?? 'help';
const flags = new Set(process.argv.slice(3));
const log = (message) => console.log(`[lotwise] ${message}`);

const PROBE_TOPIC = 'ops.probe.v1';

main().catch((error) => {
  console.error(`[lotwise] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});

async function main() {
  if (!['start', 'stop', 'test', 'db-init', 'kafka-init'].includes(command)) {
    console.log(
      'usage: node scripts/lotwise.mjs start | stop | test [--integration-only] [--faults-only] [--no-faults] | db-init | kafka-init',
    );
    process.exit(command === 'help' ? 0 : 2);
  }
  ensureDependencies();
  if (Number(process.versions.node.split('.')[0]) < 24) {
    // Re-run on the project's Node 24 so every child inherits it.
    const result = spawnSync(bin('node'), process.argv.slice(1), { stdio: 'inherit' });
    process.exit(result.status ?? 1);
  }
  process.env.PATH = `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`;
  if (command === 'start') return start();
  if (command === 'stop') return run('bash', [join(root, 'scripts/kafka/kafka.sh'), 'stop']);
  if (command === 'test') return test();
  if (command === 'db-init') return prepareDatabase(postgresEnv(process.env), { recreate: false });
  if (command === 'kafka-init') return prepareKafka(9092);
}

function ensureDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const stale =
    !existsSync(marker) || !existsSync(bin('node')) || statSync(lock).mtimeMs > statSync(marker).mtimeMs;
  if (!stale) return;
  const major = Number(process.versions.node.split('.')[0]);
  log(
    major < 24
      ? `installing dependencies (npm ci) on Node ${process.versions.node}; the project then runs on the Node 24 its \`node\` devDependency installs`
      : 'installing dependencies (npm ci)…',
  );
  // On an older Node every package that asks for Node 22+ prints an EBADENGINE warning (~240 lines) that
  // changes nothing: the install is only a bootstrap. Errors still print.
  const quiet = major < 24 ? ['--loglevel=error'] : [];
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', ...quiet], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('npm ci failed');
}

function requireFromRoot(id) {
  return createRequire(join(root, 'package.json'))(id);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

// ---------------------------------------------------------------- PostgreSQL

function postgresEnv(env) {
  return {
    host: env.POSTGRES_HOST || '127.0.0.1',
    port: Number(env.POSTGRES_PORT || 5432),
    user: env.POSTGRES_USER || 'postgres',
    password: env.POSTGRES_PASSWORD || undefined,
    database: env.POSTGRES_DB || 'portfolio',
  };
}

async function prepareDatabase(settings, { recreate }) {
  const { Client } = requireFromRoot('pg');
  const admin = new Client({ ...settings, database: 'postgres' });
  try {
    await admin.connect();
  } catch (error) {
    if (!isLocalHost(settings.host) || !tryStartLocalPostgres()) {
      throw new Error(`PostgreSQL at ${settings.host}:${settings.port} did not answer: ${error.message}`);
    }
    await waitFor(`PostgreSQL at ${settings.host}:${settings.port}`, 30_000, async () => {
      const probe = new Client({ ...settings, database: 'postgres' });
      try {
        await probe.connect();
        await probe.end();
        return true;
      } catch {
        return false;
      }
    });
    await admin.connect();
  }
  try {
    const ident = `"${settings.database.replaceAll('"', '""')}"`;
    if (recreate) await admin.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database]);
    if (found.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${ident}`);
      log(`created database ${settings.database}`);
    }
  } finally {
    await admin.end();
  }
  const client = new Client(settings);
  await client.connect();
  try {
    await client.query(readFileSync(join(root, 'init.sql'), 'utf8'));
  } finally {
    await client.end();
  }
  log(`database ${settings.database} on ${settings.host}:${settings.port} is ready (init.sql applied)`);
}

function isLocalHost(host) {
  return ['127.0.0.1', 'localhost', '::1'].includes(host);
}

function tryStartLocalPostgres() {
  const versions = existsSync('/etc/postgresql')
    ? spawnSync('ls', ['/etc/postgresql']).stdout.toString().split(/\s+/)
    : [];
  const version = versions.filter(Boolean).pop();
  if (!version) return false;
  log(`PostgreSQL is down; starting the local cluster ${version}/main`);
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
    stdio: 'inherit',
  });
  return result.status === 0;
}

// ---------------------------------------------------------------- Kafka

function canConnect(hostPort, timeoutMs = 1000) {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Uses KAFKA_BROKERS when it answers; otherwise starts the project's own broker on `localPort`.
 * Returns the broker list and whether this run started it.
 */
async function prepareKafka(localPort, { fresh = false } = {}) {
  const configured = process.env.KAFKA_BROKERS || process.env.KAFKA_BROKER;
  if (configured && (await canConnect(configured.split(',')[0].trim()))) {
    log(`using the Kafka at ${configured}`);
    await prepareTopics(configured.split(',').map((b) => b.trim()));
    return { brokers: configured, started: false };
  }
  if (configured) log(`KAFKA_BROKERS=${configured} does not answer; starting a local broker instead`);
  const env = { ...process.env, LOTWISE_KAFKA_PORT: String(localPort) };
  if (fresh) run('bash', [join(root, 'scripts/kafka/kafka.sh'), 'reset'], { env });
  run('bash', [join(root, 'scripts/kafka/kafka.sh'), 'start'], { env });
  const brokers = `127.0.0.1:${localPort}`;
  await prepareTopics([brokers]);
  return { brokers, started: true, env };
}

async function prepareTopics(brokers) {
  const { Kafka, logLevel } = requireFromRoot('kafkajs');
  const kafka = new Kafka({
    clientId: 'lotwise-setup',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = [...topicNames(), PROBE_TOPIC];
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: topic === PROBE_TOPIC ? 1 : 6,
          replicationFactor: 1,
        })),
      });
      log(`created topics ${missing.join(', ')}`);
    }
  } finally {
    await admin.disconnect();
  }
  // Ready means a produce is acknowledged, not just an open port.
  const producer = kafka.producer({ idempotent: true });
  await waitFor('Kafka to accept a produce', 60_000, async () => {
    try {
      await producer.connect();
      await producer.send({
        topic: PROBE_TOPIC,
        acks: -1,
        messages: [{ key: 'probe', value: new Date().toISOString() }],
      });
      return true;
    } catch {
      return false;
    }
  });
  await producer.disconnect();
  log(`Kafka at ${brokers.join(',')} accepts produces`);
}

function topicNames() {
  // The enum in libs/contracts is the single source of topic names.
  const source = readFileSync(join(root, 'libs/contracts/src/lib/topics.ts'), 'utf8');
  const body = source.match(/export enum KafkaTopic \{([^}]*)\}/);
  if (!body) throw new Error('could not read the KafkaTopic enum from libs/contracts');
  return [...body[1].matchAll(/=\s*'([^']+)'/g)].map((m) => m[1]);
}

async function waitFor(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

// ---------------------------------------------------------------- start

function appNodeOptions() {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).config.appNodeOptions;
}

async function start() {
  const pg = postgresEnv(process.env);
  await prepareDatabase(pg, { recreate: false });
  const kafka = await prepareKafka(9092);
  log('building api and matcher…');
  run(bin('nx'), ['run-many', '-t', 'build', '-p', 'api', 'matcher', '--outputStyle=static']);
  const env = { ...process.env, KAFKA_BROKERS: kafka.brokers, POSTGRES_DB: pg.database };
  // The apps run with the heap limits of the images (package.json config.appNodeOptions); nx serve does not.
  const appEnv = {
    ...env,
    NODE_OPTIONS: [appNodeOptions(), process.env.NODE_OPTIONS].filter(Boolean).join(' '),
  };
  const children = [
    supervise('api', bin('node'), ['--enable-source-maps', 'dist/api/main.js'], appEnv),
    supervise('matcher', bin('node'), ['--enable-source-maps', 'dist/matcher/main.js'], appEnv),
    supervise('web', bin('nx'), ['serve', 'web', '--port=3000', '--host=0.0.0.0'], env),
  ];
  let stopping = false;
  const shutdown = async (reason) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping…`);
    await Promise.all(children.map((c) => c.stop()));
    if (kafka.started) run('bash', [join(root, 'scripts/kafka/kafka.sh'), 'stop'], { env: kafka.env });
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => shutdown('Ctrl-C'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  for (const child of children) child.exited.then((code) => shutdown(`${child.name} exited with ${code}`));
  await waitFor('the api health check', 120_000, () =>
    fetch('http://127.0.0.1:3001/health').then(
      (r) => r.ok,
      () => false,
    ),
  );
  log(
    'Lotwise is up: dashboard http://localhost:3000 · api http://localhost:3001 (Swagger at /docs) · Ctrl-C stops everything',
  );
}

function supervise(name, cmd, args, env) {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = (stream, out) => {
    let buffer = '';
    stream.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return {
    name,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The whole process group, so tools that fork (nx, the dev server) go too.
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- test

async function test() {
  if (!flags.has('--integration-only') && !flags.has('--faults-only')) {
    log('unit tests');
    run(bin('nx'), ['run-many', '-t', 'test', '--outputStyle=static', '--parallel=2']);
  }
  // LOTWISE_TEST_PROJECTS=pipeline-e2e narrows the integration and fault stages to some projects.
  const projects = process.env.LOTWISE_TEST_PROJECTS ? ['-p', process.env.LOTWISE_TEST_PROJECTS] : [];
  const pg = { ...postgresEnv(process.env), database: process.env.LOTWISE_TEST_DB || 'lotwise_test' };
  await prepareDatabase(pg, { recreate: true });
  // The tests get a broker of their own (port 19092), so a running `npm start` is never disturbed.
  const kafka = await prepareKafka(Number(process.env.LOTWISE_TEST_KAFKA_PORT || 19092), { fresh: true });
  const env = {
    ...process.env,
    POSTGRES_HOST: pg.host,
    POSTGRES_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_DB: pg.database,
    KAFKA_BROKERS: kafka.brokers,
    LOTWISE_ROOT: root,
  };
  try {
    if (!flags.has('--faults-only')) {
      log('integration tests against real PostgreSQL and Kafka');
      run(
        bin('nx'),
        [
          'run-many',
          '-t',
          'integration',
          '--outputStyle=static',
          '--parallel=1',
          '--skip-nx-cache',
          ...projects,
        ],
        {
          env,
        },
      );
    }
    if (!flags.has('--no-faults')) {
      // Stops the broker and (when local) restarts PostgreSQL underneath streams of trades.
      log('fault-injection suite');
      run(
        bin('nx'),
        ['run-many', '-t', 'faults', '--outputStyle=static', '--parallel=1', '--skip-nx-cache', ...projects],
        { env },
      );
    }
  } finally {
    if (kafka.started) run('bash', [join(root, 'scripts/kafka/kafka.sh'), 'stop'], { env: kafka.env });
  }
}
