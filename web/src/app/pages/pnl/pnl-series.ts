import type { RealizedPnlEntry } from '@lotwise/contracts';
import { addDecimal } from '../../core/decimal';

export interface PnlPoint {
  /** Epoch milliseconds of the sale (the entry's createdAt). */
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
  /** Exact realized P&L of the symbol (sum of its entries). */
  readonly total: string;
}

/**
 * Cumulative realized P&L over time, one series per symbol (sorted by symbol). Each series starts at 0
 * at its first sale, steps at every entry (exact decimal sums), and is carried flat to the latest sale
 * of any symbol so the lines end side by side.
 */
export function cumulativePnlSeries(entries: readonly RealizedPnlEntry[]): PnlSeries[] {
  const bySymbol = new Map<string, RealizedPnlEntry[]>();
  let last = Number.NEGATIVE_INFINITY;
  for (const entry of entries) {
    const time = Date.parse(entry.createdAt);
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
        (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || compareIds(a.id, b.id),
      );
      const first = Date.parse(ordered[0]?.createdAt ?? '');
      const points: PnlPoint[] = [{ x: first, y: 0, exact: '0' }];
      let cumulative = '0';
      for (const entry of ordered) {
        cumulative = addDecimal(cumulative, entry.realizedPnl);
        points.push({ x: Date.parse(entry.createdAt), y: Number(cumulative), exact: cumulative });
      }
      if (last > (points.at(-1)?.x ?? last))
        points.push({ x: last, y: Number(cumulative), exact: cumulative });
      return { symbol, points, total: cumulative };
    });
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
