import { join } from 'node:path';

/** Every figure the suite can measure, in the order a full run measures them. */
export const PHASES = [
  'baselines',
  'throughput',
  'census',
  'reads',
  'sells',
  'api',
  'e2e',
  'ingest',
  'hot',
  'backdate',
] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchConfig {
  root: string;
  /** Trades pre-filled on the topic for the matcher throughput runs (figure 1). */
  trades: number;
  /** Matcher instance counts to measure the drain with (figure 1). */
  instances: number[];
  /** Stop waiting for a drain after this many seconds and extrapolate from the rate measured so far. */
  drainTimeoutS: number;
  /** Open-lot counts of the cost-per-sell runs (figure 2). */
  sellLots: number[];
  /** Sells measured per open-lot count (figure 2). */
  sells: number;
  /** Realized P&L entries loaded for the read-latency run (figure 5). */
  pnlEntries: number;
  /** Fixed request rates for POST /trades and submit → applied (figures 3 and 4). */
  rates: number[];
  /** Seconds each fixed POST rate is held (figure 3). */
  durationS: number;
  /** Seconds each fixed submit rate is held (figure 4). */
  e2eDurationS: number;
  /** Seconds of the measured closed-loop POST run, per side (ingest phase; after a 3 s warm-up). */
  ingestDurationS: number;
  /** Trades POSTed by each run of the hot-symbol phase (one position, then the same stream over 100). */
  hotTrades: number;
  /** Closed-loop keep-alive connections POSTing them. */
  hotClients: number;
  /** APPLIED trades of each position of the backdate phase. */
  backdateTrades: number[];
  /** Measured in-order and backdated trades per position (backdate phase), each. */
  backdateSamples: number;
  /** Requests per GET endpoint in the read-latency run (figure 5); a run also stops after 30 s. */
  readRequests: number;
  phases: Set<Phase>;
  build: boolean;
  /** Wait (up to 20 min) for a 1-minute load average below 1.0 before measuring. */
  waitQuiet: boolean;
  /** CPU-profile the api and matcher (timings are then not comparable) and summarise where the time goes. */
  profile: boolean;
  seed: number;
  postgres: { host: string; port: number; user: string; password: string | undefined; database: string };
  kafkaPort: number;
  apiPort: number;
  matcherPorts: [number, number];
  resultsDir: string;
}

const HELP = `usage: npm run bench -- [options]

  --trades N            trades pre-filled for the matcher drain (default 100000, env BENCH_TRADES)
  --instances 1,2       matcher instance counts for the drain (default 1,2)
  --drain-timeout S     give up a drain after S seconds and extrapolate (default 120, env BENCH_DRAIN_TIMEOUT)
  --sell-lots 10,1000,100000   open lots per cost-per-sell run (env BENCH_SELL_LOTS)
  --sells K             sells measured per open-lot count (default 300, env BENCH_SELLS)
  --pnl-entries N       realized P&L entries for GET /pnl (default 100000, env BENCH_PNL_ENTRIES)
  --rates 200,1000      request rates for POST /trades and submit→applied (env BENCH_RATES)
  --duration S          seconds per POST rate (default 15, env BENCH_DURATION)
  --e2e-duration S      seconds per submit → applied rate (default 10, env BENCH_E2E_DURATION)
  --ingest-duration S   seconds of closed-loop POSTs per side of the ingest phase (default 15, env BENCH_INGEST_DURATION)
  --hot-trades N        trades POSTed per hot-symbol run (default 20000, env BENCH_HOT_TRADES)
  --hot-clients N       closed-loop connections of the hot-symbol runs (default 32, env BENCH_HOT_CLIENTS)
  --backdate-trades 1000,100000,1000000   applied trades per backdate position (env BENCH_BACKDATE_TRADES)
  --backdate-samples K  in-order and backdated trades measured per position (default 30, env BENCH_BACKDATE_SAMPLES)
  --read-requests N     requests per GET endpoint, at most (default 1000, env BENCH_READ_REQUESTS)
  --only a,b            phases: ${PHASES.join(', ')} (default all)
  --skip-build          use the existing dist/api and dist/matcher
  --wait-quiet          first wait (up to 20 min) for a 1-minute load average below 1.0
  --profile             CPU-profile the api and matcher processes and summarise the profiles (slower figures)
  --seed N              seed of the random trades (default 6)
  --help`;

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, root: string): BenchConfig {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n\n${HELP}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (['skip-build', 'wait-quiet', 'profile', 'help'].includes(name)) {
      flags.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value\n\n${HELP}`);
    args.set(name, value);
  }
  if (flags.has('help')) {
    console.log(HELP);
    process.exit(0);
  }
  const known = [
    'trades',
    'instances',
    'drain-timeout',
    'sell-lots',
    'sells',
    'pnl-entries',
    'rates',
    'duration',
    'e2e-duration',
    'ingest-duration',
    'hot-trades',
    'hot-clients',
    'backdate-trades',
    'backdate-samples',
    'read-requests',
    'only',
    'seed',
  ];
  for (const name of args.keys()) {
    if (!known.includes(name)) throw new Error(`unknown option --${name}\n\n${HELP}`);
  }
  const pick = (name: string, envName: string | null, fallback: string): string =>
    args.get(name) ?? (envName ? env[envName] : undefined) ?? fallback;
  const only = args.get('only');
  const phases = new Set<Phase>(
    only
      ? only.split(',').map((p) => {
          if (!(PHASES as readonly string[]).includes(p)) throw new Error(`unknown phase ${p}\n\n${HELP}`);
          return p as Phase;
        })
      : PHASES,
  );
  return {
    root,
    trades: positiveInt('trades', pick('trades', 'BENCH_TRADES', '100000')),
    instances: intList('instances', pick('instances', 'BENCH_INSTANCES', '1,2')),
    drainTimeoutS: positiveInt('drain-timeout', pick('drain-timeout', 'BENCH_DRAIN_TIMEOUT', '120')),
    sellLots: intList('sell-lots', pick('sell-lots', 'BENCH_SELL_LOTS', '10,1000,100000')),
    sells: positiveInt('sells', pick('sells', 'BENCH_SELLS', '300')),
    pnlEntries: positiveInt('pnl-entries', pick('pnl-entries', 'BENCH_PNL_ENTRIES', '100000')),
    rates: intList('rates', pick('rates', 'BENCH_RATES', '200,1000')),
    durationS: positiveInt('duration', pick('duration', 'BENCH_DURATION', '15')),
    e2eDurationS: positiveInt('e2e-duration', pick('e2e-duration', 'BENCH_E2E_DURATION', '10')),
    ingestDurationS: positiveInt('ingest-duration', pick('ingest-duration', 'BENCH_INGEST_DURATION', '15')),
    hotTrades: positiveInt('hot-trades', pick('hot-trades', 'BENCH_HOT_TRADES', '20000')),
    hotClients: positiveInt('hot-clients', pick('hot-clients', 'BENCH_HOT_CLIENTS', '32')),
    backdateTrades: intList(
      'backdate-trades',
      pick('backdate-trades', 'BENCH_BACKDATE_TRADES', '1000,100000,1000000'),
    ),
    backdateSamples: positiveInt(
      'backdate-samples',
      pick('backdate-samples', 'BENCH_BACKDATE_SAMPLES', '30'),
    ),
    readRequests: positiveInt('read-requests', pick('read-requests', 'BENCH_READ_REQUESTS', '1000')),
    phases,
    build: !flags.has('skip-build'),
    waitQuiet: flags.has('wait-quiet'),
    profile: flags.has('profile'),
    seed: positiveInt('seed', pick('seed', null, '6')),
    postgres: {
      host: env['POSTGRES_HOST'] || '127.0.0.1',
      port: Number(env['POSTGRES_PORT'] || 5432),
      user: env['POSTGRES_USER'] || 'postgres',
      password: env['POSTGRES_PASSWORD'] || undefined,
      database: 'lotwise_bench',
    },
    kafkaPort: 19392,
    apiPort: 16001,
    matcherPorts: [16101, 16102],
    resultsDir: join(root, 'bench', 'results'),
  };
}

function positiveInt(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`--${name} must be a positive integer`);
  return Number(text);
}

function intList(name: string, text: string): number[] {
  return text.split(',').map((part) => positiveInt(name, part.trim()));
}
