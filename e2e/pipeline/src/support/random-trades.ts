import { SubmitTradeRequest, Trade } from '@lotwise/contracts';
import { ApiClient } from './stack';

/** A small deterministic PRNG (mulberry32), so a failing stream can be reproduced from its seed. */
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

/** An integer in [min, max], uniformly. */
export const randomInt = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));

/** Decimal text built from integers: never a float on its way to the api. */
function decimal(random: () => number, maxUnits: number, decimals: number): string {
  const whole = randomInt(random, 0, maxUnits);
  const fraction = String(randomInt(random, 0, 10 ** decimals - 1)).padStart(decimals, '0');
  return whole === 0 && /^0+$/.test(fraction) ? '1' : `${whole}.${fraction}`;
}

/** Shapes of a random stream; the defaults are the mixed stream every suite uses. */
export interface RandomTradeShape {
  /** Share of buys, 0..1 (default 0.6). */
  buyShare?: number;
  /** Largest whole part of a buy's quantity (default 200). */
  maxBuyUnits?: number;
  /** Largest whole part of a sell's quantity (default 150: some sells exceed what is open). */
  maxSellUnits?: number;
}

/**
 * ~60 % buys, the rest sells of random size (some larger than what is open, so some are rejected; `shape`
 * changes the mix),
 * with strictly increasing executedAt per position (one second apart, from 24 hours ago) so arrival order
 * equals execution order.
 */
export function randomTrades(
  seed: number,
  count: number,
  accounts: string[],
  symbols: string[],
  shape: RandomTradeShape = {},
): SubmitTradeRequest[] {
  const { buyShare = 0.6, maxBuyUnits = 200, maxSellUnits = 150 } = shape;
  const random = prng(seed);
  const start = Date.now() - 24 * 3600 * 1000;
  return Array.from({ length: count }, (_, i) => {
    const account = accounts[randomInt(random, 0, accounts.length - 1)] as string;
    const symbol = symbols[randomInt(random, 0, symbols.length - 1)] as string;
    const buy = random() < buyShare;
    const qty = decimal(random, buy ? maxBuyUnits : maxSellUnits, 4);
    return {
      account,
      symbol,
      qty: buy ? qty : `-${qty}`,
      price: decimal(random, 500, 2),
      executedAt: new Date(start + i * 1000).toISOString(),
      clientTradeId: `seed-${seed}-${i}`,
    };
  });
}

/** Posts trades one position after another in order, positions in parallel. */
export async function postInPositionOrder(api: ApiClient, trades: SubmitTradeRequest[]): Promise<Trade[]> {
  const byPosition = new Map<string, SubmitTradeRequest[]>();
  for (const trade of trades) {
    const key = `${trade.account}|${trade.symbol}`;
    byPosition.set(key, [...(byPosition.get(key) ?? []), trade]);
  }
  const accepted: Trade[] = [];
  await Promise.all(
    [...byPosition.values()].map(async (chain) => {
      for (const trade of chain) accepted.push(await api.submit(trade));
    }),
  );
  return accepted;
}
