import { SubmitTradeRequest } from '@lotwise/contracts';

/** mulberry32: a small deterministic PRNG, so a run's trades can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (random: () => number, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

/** Canonical decimal text (no trailing fractional zeros) built from integers, never from a float. */
function decimal(random: () => number, maxUnits: number, decimals: number): string {
  const whole = int(random, 0, maxUnits);
  const fraction = String(int(random, 0, 10 ** decimals - 1))
    .padStart(decimals, '0')
    .replace(/0+$/, '');
  if (whole === 0 && fraction === '') return '1';
  return fraction === '' ? String(whole) : `${whole}.${fraction}`;
}

export const BENCH_ACCOUNTS = ['bench-a', 'bench-b', 'bench-c'];
export const BENCH_SYMBOLS = Array.from({ length: 100 }, (_, i) => `S${String(i).padStart(3, '0')}`);

export interface GeneratedTrade {
  account: string;
  symbol: string;
  /** Signed canonical decimal: positive buys, negative sells. */
  qty: string;
  price: string;
  executedAt: Date;
}

/**
 * The mix of the e2e suites at scale: 3 accounts × 100 symbols, ~60 % buys of up to 200 units, sells of up to
 * 150 (so most sells partly consume one or more lots and a few exceed what is open and are rejected), with
 * strictly increasing executedAt so arrival order is execution order.
 */
export function generateTrades(seed: number, count: number, start: Date): GeneratedTrade[] {
  const random = prng(seed);
  const trades: GeneratedTrade[] = new Array<GeneratedTrade>(count);
  for (let i = 0; i < count; i++) {
    const account = BENCH_ACCOUNTS[int(random, 0, BENCH_ACCOUNTS.length - 1)] as string;
    const symbol = BENCH_SYMBOLS[int(random, 0, BENCH_SYMBOLS.length - 1)] as string;
    const buy = random() < 0.6;
    const qty = decimal(random, buy ? 200 : 150, 4);
    trades[i] = {
      account,
      symbol,
      qty: buy ? qty : `-${qty}`,
      price: decimal(random, 500, 2),
      executedAt: new Date(start.getTime() + i),
    };
  }
  return trades;
}

/** Request bodies for POST /trades without executedAt (the api stamps it), like a live trading client. */
export function requestBodies(seed: number, count: number): SubmitTradeRequest[] {
  return generateTrades(seed, count, new Date()).map(({ account, symbol, qty, price }) => ({
    account,
    symbol,
    qty,
    price,
  }));
}

/**
 * The stream of the hot-symbol runs: one account, trade i on `symbols[i % symbols.length]` (so one symbol, or
 * the same stream spread evenly over many), without executedAt. Each symbol opens with a buy of 10; then ~75 %
 * buys of up to 10.99 units and sells of up to 3.99, so a position grows and almost no sell is rejected.
 */
export function hotBodies(
  seed: number,
  count: number,
  account: string,
  symbols: readonly string[],
): SubmitTradeRequest[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const symbol = symbols[i % symbols.length] as string;
    const first = i < symbols.length;
    const buy = first || random() < 0.75;
    const qty = first ? '10' : decimal(random, buy ? 10 : 3, 2);
    return { account, symbol, qty: buy ? qty : `-${qty}`, price: decimal(random, 500, 2) };
  });
}
