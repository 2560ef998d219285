import { SubmitTradeRequest, Trade } from '@lotwise/contracts';
import { sleep } from '@lotwise/testing';
import { ApiClient } from './stack';

// Ways of posting a stream of trades to the api.

/** A stream of posts in progress; `running()` tells whether a fault injected now still lands mid-stream. */
export interface Posting extends Promise<Trade[]> {
  running(): boolean;
}

/**
 * Posts the trades, one chain per position, waiting `pace` ms after each post. The matcher settles thousands
 * of trades a second, so a fault test must pace its stream to still be posting when the fault happens.
 */
export function paced(api: ApiClient, trades: SubmitTradeRequest[], pace: number): Posting {
  let finished = false;
  const posting = stream(api, trades, pace).finally(() => (finished = true));
  return Object.assign(posting, { running: () => !finished });
}

/** Posts in position order; retries a failed request with the same clientTradeId until it is accepted. */
export async function stream(api: ApiClient, trades: SubmitTradeRequest[], pace = 0): Promise<Trade[]> {
  const byPosition = new Map<string, SubmitTradeRequest[]>();
  for (const trade of trades) {
    const key = `${trade.account}|${trade.symbol}`;
    byPosition.set(key, [...(byPosition.get(key) ?? []), trade]);
  }
  const accepted: Trade[] = [];
  await Promise.all(
    [...byPosition.values()].map(async (chain) => {
      for (const trade of chain) {
        for (let attempt = 0; ; attempt++) {
          const response = await api.post('/trades', trade).catch(() => ({ status: 0, body: null }));
          if (response.status === 202 || response.status === 200) {
            accepted.push(response.body as Trade);
            break;
          }
          if (response.status >= 400 && response.status < 500) {
            throw new Error(`trade refused: ${response.status} ${JSON.stringify(response.body)}`);
          }
          if (attempt > 600) throw new Error('the api did not accept a trade for 60 s');
          await sleep(100);
        }
        if (pace > 0) await sleep(pace);
      }
    }),
  );
  return accepted;
}

/**
 * Posts the trades from `clients` concurrent clients (fetch keeps their connections alive), each taking the
 * next trade as soon as its previous one is answered, so arrival order is the api's, not the list's.
 * `prepare` may finish a trade just before it is sent (e.g. stamp executedAt with the time of sending).
 * Answers in list order.
 */
export async function postConcurrently(
  api: ApiClient,
  trades: readonly SubmitTradeRequest[],
  clients: number,
  prepare: (trade: SubmitTradeRequest, index: number) => SubmitTradeRequest = (trade) => trade,
): Promise<Trade[]> {
  const accepted: Trade[] = new Array(trades.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let index = next++; index < trades.length; index = next++) {
        accepted[index] = await api.submit(prepare(trades[index] as SubmitTradeRequest, index));
      }
    }),
  );
  return accepted;
}
