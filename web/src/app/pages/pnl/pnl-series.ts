import type { RealizedPnlEntry, SymbolPnlTotal } from '@lotwise/contracts';
import { addDecimal, negateDecimal } from '../../core/decimal';

export interface PnlPoint {
  /** Epoch milliseconds of the sale (the sell's executedAt). */
  readonly x: number;
  /**
   * Cumulative realized P&L as a JS number, for PLOTTING ONLY: a chart needs numbers, and a rounding in
   * the 16th significant digit cannot be seen on screen. Tables and tooltips use `exact`.
   */
  readonly y: number;
  /** The exact cumulative value (decimal string). */
  readonly exact: string;
}

export interface PnlSeries {
  readonly symbol: string;
  readonly points: readonly PnlPoint[];
  /** Exact realized P&L of the symbol: the api's total, or the sum of the entries when it has none. */
  readonly total: string;
}

/** When the sale happened: the sell's execution time, not when the matcher booked it. */
export function soldAt(entry: RealizedPnlEntry): string {
  return entry.executedAt;
}

/**
 * Cumulative realized P&L over execution time, one series per symbol (sorted by symbol), from the entries
 * loaded so far. Each series ends at the symbol's total from the api and steps back through the loaded
 * entries, so it starts at 0 once every entry is loaded and at what the older entries add up to before.
 * It steps at every entry (exact decimal sums) and is carried flat to the latest sale of any symbol so the
 * lines end side by side.
 */
export function cumulativePnlSeries(
  entries: readonly RealizedPnlEntry[],
  totals: readonly SymbolPnlTotal[] = [],
): PnlSeries[] {
  const totalOf = new Map(totals.map((total) => [total.symbol, total.realizedPnl]));
  const bySymbol = new Map<string, RealizedPnlEntry[]>();
  let last = Number.NEGATIVE_INFINITY;
  for (const entry of entries) {
    const time = Date.parse(soldAt(entry));
    if (Number.isNaN(time)) continue;
    last = Math.max(last, time);
    const list = bySymbol.get(entry.symbol) ?? [];
    list.push(entry);
    bySymbol.set(entry.symbol, list);
  }
  return [...bySymbol.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([symbol, list]) => {
      const ordered = [...list].sort(
        (a, b) => Date.parse(soldAt(a)) - Date.parse(soldAt(b)) || compareIds(a.id, b.id),
      );
      const loaded = ordered.reduce((sum, entry) => addDecimal(sum, entry.realizedPnl), '0');
      const total = totalOf.get(symbol) ?? loaded;
      let cumulative = addDecimal(total, negateDecimal(loaded));
      const first = Date.parse(soldAt(ordered[0] as RealizedPnlEntry));
      const points: PnlPoint[] = [{ x: first, y: Number(cumulative), exact: cumulative }];
      for (const entry of ordered) {
        cumulative = addDecimal(cumulative, entry.realizedPnl);
        points.push({ x: Date.parse(soldAt(entry)), y: Number(cumulative), exact: cumulative });
      }
      if (last > (points.at(-1)?.x ?? last))
        points.push({ x: last, y: Number(cumulative), exact: cumulative });
      return { symbol, points, total };
    });
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
