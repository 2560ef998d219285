import { Admin, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { BenchConfig } from './config';
import { ProfileSummary } from './profile';
import { CpuSplit, MemoryPeak, Sampler } from './sampler';
import { Summary } from './stats';

export interface BenchContext {
  config: BenchConfig;
  /** lotwise_bench. */
  db: Pool;
  kafka: Kafka;
  admin: Admin;
  sampler: Sampler;
  logDir: string;
  results: BenchResults;
}

export interface Baselines {
  pgbench: boolean;
  /** Single-row INSERT commits per second, by number of connections. */
  pgCommits: Array<{ connections: number; perSecond: number; latencyMs: number | null }>;
  /** One-message produce with acks=all, median round trip. */
  kafkaProduceMs: number | null;
  /** One offset commit, median round trip. */
  kafkaCommitMs: number | null;
  /** Filling the trades topic (idempotent producer, batches of 2,000, acks=all). */
  kafkaProducePerSecond: number | null;
  kafkaRawConsumePerSecond: number | null;
  kafkaPerMessagePerSecond: number | null;
  kafkaMessages: number;
}

export interface ThroughputRun {
  instances: number;
  trades: number;
  settled: number;
  drained: boolean;
  /** Rate between 10 % and 90 % of the drain (after the group is stable). */
  sustainedPerSecond: number;
  /** Everything settled divided by first commit → last commit. */
  overallPerSecond: number;
  drainSeconds: number;
  /** When not drained: the time the whole topic would take at the sustained rate. */
  extrapolatedDrainSeconds: number | null;
  insertPerSecond: number;
  producePerSecond: number;
  statuses: { APPLIED: number; REJECTED: number; PENDING: number };
  cpu: CpuSplit | null;
  /** CPU milliseconds per settled trade, per process group. */
  cpuMsPerTrade: Record<string, number>;
  /** 2 cores divided by the CPU the pipeline (matcher + postgres + kafka) spends per trade. */
  cpuBoundCeiling: number | null;
  memory: Record<string, MemoryPeak | null>;
  dbPerTrade: Record<string, number>;
}

export interface CensusResult {
  trades: number;
  statementsPerTrade: number;
  roundTripsPerTrade: number;
  /** The matcher's transactions (each one COMMIT) per settled trade. */
  commitsPerTrade: number;
  transactionsByKind: Record<string, { transactions: number; statementsPerTransaction: number }>;
  statementsOutsideTransactions: number;
  topStatements: Array<{ statement: string; perTrade: number }>;
}

export interface SellCostRun {
  lots: number;
  sells: number;
  /** Submit event → settlement seen on trades.settled.v1 (includes two Kafka hops and the offset commit). */
  latency: Summary;
  /** Inside the matcher's transaction: its start (now() of realized_pnl.created_at) → settled_at. */
  txLatency: Summary;
  lockQuery: { plan: string; executionMs: number; buffers: number } | null;
}

/** What an autocannon run measured: requests sent, latency in ms (1 ms resolution), failures. */
export interface HttpLoadFigures {
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface ApiRun extends HttpLoadFigures {
  rate: number;
  connections: number;
  durationS: number;
  achievedPerSecond: number;
  backlogDrainSeconds: number | null;
  /** Trades still unsettled when the wait for the backlog gave up. */
  backlogLeft: number;
  cpu: CpuSplit | null;
  cpuMsPerRequest: Record<string, number>;
}

export interface E2eRun {
  rate: number;
  submitted: number;
  settled: number;
  applied: number;
  rejected: number;
  unsettled: number;
  achievedPerSecond: number;
  postLatency: Summary;
  /** POST start → trade.settled seen on GET /events. */
  settleLatency: Summary;
  /** settled_at − received_at as recorded in the database. */
  dbSettleP50: number | null;
  dbSettleP99: number | null;
  verified: { checked: number; matching: number };
  non2xx: number;
  /** Where the time goes, from the database's own timestamps (p50 / p99 ms). */
  stages: Record<string, { p50: number | null; p99: number | null }>;
  cpu: CpuSplit | null;
}

export interface ReadRun {
  endpoint: string;
  label: string;
  requests: number;
  bytes: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
  non2xx: number;
  errors: number;
}

/** One side of the comparison: the bare Kafka-producing server or the api. */
export interface IngestSide extends HttpLoadFigures {
  perSecond: number;
  cpu: CpuSplit | null;
  /** CPU milliseconds per request, per process group (the server's own is `server`). */
  cpuMsPerRequest: Record<string, number>;
  peakRssMb: number | null;
}

export interface IngestRun {
  connections: number;
  warmupS: number;
  durationS: number;
  baseline: IngestSide;
  api: IngestSide;
  /** api POST/s ÷ baseline POST/s. */
  ratio: number;
  /** 2xx answers of the api (warm-up and run) and the trades and outbox rows it left: equal when every 202 held. */
  apiAccepted: number;
  tradesRecorded: number;
  outboxRows: number;
  /** Outbox row committed → published by the relay (created_at → published_at, ms), over the api's rows. */
  relayDelayMs: { p50: number | null; p99: number | null };
  /** Transactions that wrote the api's outbox rows, and relay transactions that published them. */
  writeCommits: number;
  relayDrains: number;
  backlogDrainSeconds: number | null;
  backlogLeft: number;
}

/** The hot-symbol phase: one run on one position, one with the same stream over 100 symbols. */
export interface HotRun {
  label: 'hot' | 'spread';
  symbols: number;
  clients: number;
  /** POSTs sent; `accepted` of them answered 2xx (and so recorded). */
  trades: number;
  accepted: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** First POST start → last answer. */
  postSeconds: number;
  postPerSecond: number;
  postP50: number;
  postP99: number;
  settled: number;
  applied: number;
  rejected: number;
  /** Reject reasons (digits as N) and how many trades each. */
  rejectReasons: Record<string, number>;
  /** First POST start → every accepted trade settled; null when the wait gave up. */
  endToEndSeconds: number | null;
  /** accepted / endToEndSeconds; after a timeout, what settled / the time waited. */
  perSecond: number;
  /** Last answer → every accepted trade settled. */
  catchUpSeconds: number | null;
  /** Trades that reached the matcher after a trade of their position that executes later (its backdated path). */
  arrivedBackdated: number | null;
  cpu: CpuSplit | null;
}

/** One kind of trade (in order, or backdated by 10) on one position of the backdate phase. */
export interface BackdateKind {
  samples: number;
  /** Submit event → settlement seen on trades.settled.v1. */
  latency: Summary;
  /** In the matcher's transaction: positions.updated_at (its now()) → trades.settled_at. */
  txLatency: Summary;
  rejected: number;
  /** The first reason a sample was rejected for (none should be). */
  rejectReason: string | null;
  /** Why this kind stopped early on the position (a wait that timed out, the matcher exiting); null if it did not. */
  stopped: string | null;
}

export interface BackdateRun {
  /** APPLIED trades of the position before the samples. */
  trades: number;
  seedSeconds: number;
  inOrder: BackdateKind;
  backdated: BackdateKind;
  /** The lot engine's replay compared with the seeded books (smallest position only). */
  fifoCheck: string | null;
}

export interface BenchResults {
  meta: Record<string, unknown>;
  baselines: Baselines | null;
  throughput: ThroughputRun[];
  census: CensusResult | null;
  sells: SellCostRun[];
  sellDb: Record<string, Record<string, number>>;
  reads: ReadRun[];
  readData: { openLots: number; pnlEntries: number } | null;
  api: ApiRun[];
  e2e: E2eRun[];
  /** The ingest phase (api vs a bare Kafka-producing server); absent when not measured. */
  ingest?: IngestRun;
  /** The hot-symbol phase (hot position, then the same stream over 100 symbols); absent when not measured. */
  hot?: HotRun[];
  /** The backdate phase, one run per position size; absent when not measured. */
  backdate?: BackdateRun[];
  memory: Record<string, Record<string, MemoryPeak | null>>;
  profiles: ProfileSummary[];
  notes: string[];
}
