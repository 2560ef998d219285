import { replayTrades, summarizePosition } from '@lotwise/lot-engine';
import { Pool } from 'pg';

// The oracle: the lot engine's replay of every recorded trade of a position, in execution order,
// compared with what the matcher wrote.

export interface BooksDiff {
  position: string;
  problem: string;
}

export async function compareBooksWithReplay(db: Pool, accounts: string[]): Promise<BooksDiff[]> {
  const diffs: BooksDiff[] = [];
  const { rows: trades } = await db.query<{
    id: string;
    account: string;
    symbol: string;
    qty: string;
    price: string;
    status: string;
  }>(
    `SELECT id::text, account, symbol, trim_scale(qty)::text AS qty, trim_scale(price)::text AS price, status
     FROM trades WHERE account = ANY($1) ORDER BY account, symbol, executed_at, id`,
    [accounts],
  );
  const { rows: lots } = await db.query<{ trade_id: string; remaining: string }>(
    `SELECT trade_id::text, trim_scale(remaining_qty)::text AS remaining FROM lots WHERE account = ANY($1)`,
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
  const lotRemaining = new Map(lots.map((l) => [l.trade_id, l.remaining]));
  const entryKeys = new Set(entries.map((e) => `${e.sell}>${e.lot_trade}:${e.qty}:${e.pnl}`));
  if (entryKeys.size !== entries.length)
    diffs.push({ position: '*', problem: 'duplicate realized_pnl entries' });
  const expectedEntries = new Set<string>();

  const byPosition = new Map<string, typeof trades>();
  for (const trade of trades) {
    const key = `${trade.account}/${trade.symbol}`;
    byPosition.set(key, [...(byPosition.get(key) ?? []), trade]);
  }
  for (const [position, history] of byPosition) {
    const pending = history.filter((t) => t.status === 'PENDING');
    if (pending.length > 0) diffs.push({ position, problem: `${pending.length} trades still PENDING` });
    const replay = replayTrades(history.map((t) => ({ id: t.id, qty: t.qty, price: t.price })));
    for (const outcome of replay.outcomes) {
      const actual = history.find((t) => t.id === outcome.tradeId)?.status;
      if (actual !== outcome.status) {
        diffs.push({
          position,
          problem: `trade ${outcome.tradeId} is ${actual}, replay says ${outcome.status}`,
        });
      }
    }
    for (const lot of replay.lots) {
      const actual = lotRemaining.get(lot.tradeId);
      if (actual !== lot.remainingQty) {
        diffs.push({
          position,
          problem: `lot of trade ${lot.tradeId} has ${actual}, replay says ${lot.remainingQty}`,
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
  for (const key of expectedEntries)
    if (!entryKeys.has(key)) diffs.push({ position: '*', problem: `missing entry ${key}` });
  for (const key of entryKeys)
    if (!expectedEntries.has(key)) diffs.push({ position: '*', problem: `unexpected entry ${key}` });
  return diffs;
}

/** Exact sum of decimal strings, in BigInt at the widest scale among them. */
function sumDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => v.split('.')[1]?.length ?? 0));
  const total = values.reduce((sum, value) => {
    const [int = '0', frac = ''] = value.replace('-', '').split('.');
    const units = BigInt(int + frac.padEnd(scale, '0'));
    return sum + (value.startsWith('-') ? -units : units);
  }, 0n);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  const text = `${digits.slice(0, digits.length - scale)}${fraction ? `.${fraction}` : ''}`;
  return negative ? `-${text}` : text;
}
