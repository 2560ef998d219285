import { replayTrades, summarizePosition } from '@lotwise/lot-engine';
import { Pool } from 'pg';

// The oracle: the lot engine's replay of a position's trades, in execution order, compared with what the
// matcher wrote.

export interface BooksDiff {
  position: string;
  problem: string;
}

export interface BooksCheckOptions {
  /**
   * How the trades reached the matcher.
   *
   * `'execution-order'` (default): each position's trades were submitted in execution order, so the matcher's
   * outcomes must equal a from-scratch replay of every trade, rejections included.
   *
   * `'any'`: trades may arrive out of execution order. The matcher decides each trade against what it has
   * applied so far, so a sell may be rejected that a later-arriving, earlier-executed buy would have covered.
   * What it promises: every trade ends APPLIED or REJECTED with one of its reasons, and the books equal the
   * replay of the APPLIED trades in execution order, which rejects none of them.
   */
  arrival?: 'execution-order' | 'any';
}

interface TradeRow {
  id: string;
  account: string;
  symbol: string;
  qty: string;
  price: string;
  status: string;
  reason: string | null;
}

const INSUFFICIENT = /^insufficient quantity: open (\d+(?:\.\d+)?), sell (\d+(?:\.\d+)?)$/;
const INVALIDATES = /^backdated trade would invalidate trade (\d+) \((insufficient quantity: [^)]*)\)$/;

export async function compareBooksWithReplay(
  db: Pool,
  accounts: string[],
  options: BooksCheckOptions = {},
): Promise<BooksDiff[]> {
  const arrival = options.arrival ?? 'execution-order';
  const diffs: BooksDiff[] = [];
  const { rows: trades } = await db.query<TradeRow>(
    `SELECT id::text, account, symbol, trim_scale(qty)::text AS qty, trim_scale(price)::text AS price, status,
            reject_reason AS reason
     FROM trades WHERE account = ANY($1) ORDER BY account, symbol, executed_at, trades.id`,
    [accounts],
  );
  const { rows: lots } = await db.query<{ position: string; trade_id: string; remaining: string }>(
    `SELECT account || '/' || symbol AS position, trade_id::text, trim_scale(remaining_qty)::text AS remaining
     FROM lots WHERE account = ANY($1)`,
    [accounts],
  );
  const { rows: entries } = await db.query<{ sell: string; lot_trade: string; qty: string; pnl: string }>(
    `SELECT e.sell_trade_id::text AS sell, l.trade_id::text AS lot_trade, trim_scale(e.qty)::text AS qty,
            trim_scale(e.realized_pnl)::text AS pnl
     FROM realized_pnl e JOIN lots l ON l.id = e.lot_id WHERE e.account = ANY($1)`,
    [accounts],
  );
  const { rows: positions } = await db.query<{
    key: string;
    open_qty: string;
    open_cost: string;
    realized: string;
    entries: string;
  }>(
    `SELECT account || '/' || symbol AS key, trim_scale(open_qty)::text AS open_qty,
            trim_scale(open_cost)::text AS open_cost, trim_scale(realized_pnl)::text AS realized,
            realized_entries::text AS entries
     FROM positions WHERE account = ANY($1)`,
    [accounts],
  );
  const positionRow = new Map(positions.map((p) => [p.key, p]));
  const unexplainedLots = new Map(lots.map((l) => [l.trade_id, l]));
  const entryKeys = new Set(entries.map((e) => `${e.sell}>${e.lot_trade}:${e.qty}:${e.pnl}`));
  if (entryKeys.size !== entries.length)
    diffs.push({ position: '*', problem: 'duplicate realized_pnl entries' });
  const expectedEntries = new Set<string>();

  const byPosition = new Map<string, TradeRow[]>();
  for (const trade of trades) {
    const key = `${trade.account}/${trade.symbol}`;
    const history = byPosition.get(key);
    if (history) history.push(trade);
    else byPosition.set(key, [trade]);
  }
  for (const [position, history] of byPosition) {
    const pending = history.filter((t) => t.status === 'PENDING');
    if (pending.length > 0) diffs.push({ position, problem: `${pending.length} trades still PENDING` });
    const replayed = arrival === 'any' ? history.filter((t) => t.status === 'APPLIED') : history;
    const replay = replayTrades(replayed.map((t) => ({ id: t.id, qty: t.qty, price: t.price })));
    const statusOf = new Map(history.map((t) => [t.id, t.status]));
    for (const outcome of replay.outcomes) {
      const actual = statusOf.get(outcome.tradeId);
      if (actual !== outcome.status) {
        diffs.push({
          position,
          problem: `trade ${outcome.tradeId} is ${actual}, replay says ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}`,
        });
      }
    }
    if (arrival === 'any') diffs.push(...unreasonedRejections(position, history));
    for (const lot of replay.lots) {
      const actual = unexplainedLots.get(lot.tradeId);
      unexplainedLots.delete(lot.tradeId);
      if (actual?.remaining !== lot.remainingQty) {
        diffs.push({
          position,
          problem: `lot of trade ${lot.tradeId} has ${actual?.remaining}, replay says ${lot.remainingQty}`,
        });
      }
    }
    // The positions row the matcher keeps (open quantity, cost basis, realized P&L) must agree with the replay.
    const summary = summarizePosition(replay.lots);
    const realized = sumDecimals(replay.entries.map((e) => e.realizedPnl));
    const row = positionRow.get(position);
    const kept = row
      ? `${row.open_qty} at cost ${row.open_cost}, realized ${row.realized} in ${row.entries} entries`
      : 'no positions row';
    const expected = `${summary.quantity} at cost ${summary.costBasis}, realized ${realized} in ${replay.entries.length} entries`;
    if ((row || summary.quantity !== '0') && kept !== expected) {
      diffs.push({ position, problem: `positions row holds ${kept}, replay says ${expected}` });
    }
    for (const entry of replay.entries) {
      expectedEntries.add(`${entry.sellTradeId}>${entry.lotKey}:${entry.qty}:${entry.realizedPnl}`);
    }
  }
  for (const lot of unexplainedLots.values())
    diffs.push({ position: lot.position, problem: `lot of trade ${lot.trade_id} is not in the replay` });
  for (const key of expectedEntries)
    if (!entryKeys.has(key)) diffs.push({ position: '*', problem: `missing entry ${key}` });
  for (const key of entryKeys)
    if (!expectedEntries.has(key)) diffs.push({ position: '*', problem: `unexpected entry ${key}` });
  return diffs;
}

/**
 * Rejections of a position whose trades arrived in any order: each must be a sell, with one of the matcher's
 * reasons: more than was open (naming the sell's own quantity), or that it would leave a sell of the position
 * executed after it, and applied, short (naming that sell and its quantity).
 */
function unreasonedRejections(position: string, history: readonly TradeRow[]): BooksDiff[] {
  const place = new Map(history.map((t, index) => [t.id, index]));
  return history.flatMap((trade, index) => {
    if (trade.status !== 'REJECTED') return [];
    const problem = rejectionProblem(trade, (id) => {
      const at = place.get(id);
      return at !== undefined && at > index ? history[at] : undefined;
    });
    return problem ? [{ position, problem: `trade ${trade.id} (${trade.qty}) rejected: ${problem}` }] : [];
  });
}

function rejectionProblem(
  trade: TradeRow,
  executedLater: (id: string) => TradeRow | undefined,
): string | null {
  const reason = trade.reason ?? '';
  if (!trade.qty.startsWith('-')) return `a buy is never rejected ("${reason}")`;
  const invalidates = INVALIDATES.exec(reason);
  const victim = invalidates ? executedLater(invalidates[1] ?? '') : undefined;
  if (invalidates && victim?.status !== 'APPLIED') {
    return `"${reason}" names no applied trade of the position executed after it`;
  }
  const insufficient = INSUFFICIENT.exec(invalidates ? (invalidates[2] ?? '') : reason);
  if (!insufficient) return `unexpected reason "${reason}"`;
  const [, open = '', sell = ''] = insufficient;
  const sold = (victim ?? trade).qty;
  if (sold !== `-${sell}` || compareDecimals(open, sell) >= 0) {
    return `"${reason}" does not describe a sell of ${sold.slice(1)} larger than what is open`;
  }
  return null;
}

/** Exact sum of decimal strings, in BigInt at the widest scale among them. */
export function sumDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => v.split('.')[1]?.length ?? 0));
  const total = values.reduce((sum, value) => sum + units(value, scale), 0n);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  const text = `${digits.slice(0, digits.length - scale)}${fraction ? `.${fraction}` : ''}`;
  return negative ? `-${text}` : text;
}

/** -1, 0 or 1 as a < b, a = b or a > b, exactly. */
export function compareDecimals(a: string, b: string): number {
  const scale = Math.max(0, ...[a, b].map((v) => v.split('.')[1]?.length ?? 0));
  const difference = units(a, scale) - units(b, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

function units(value: string, scale: number): bigint {
  const [int = '0', frac = ''] = value.replace('-', '').split('.');
  const magnitude = BigInt(int + frac.padEnd(scale, '0'));
  return value.startsWith('-') ? -magnitude : magnitude;
}
