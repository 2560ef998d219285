import { BenchContext } from '../context';
import { loadOpenLots, loadPnlEntries, truncateBooks, vacuumAnalyze } from '../db';
import { APP_TOPICS, recreateTopics } from '../kafka';
import { fmt, log } from '../stats';

export const SELL_ACCOUNT = 'bench-sells';
export const PNL_ACCOUNT = 'bench-pnl';
export const BOOKS_START = new Date(Date.now() - 72 * 3600_000);

export const sellSymbol = (lots: number): string => `L${lots}`;

/**
 * The books of figures 2 and 5, written directly: one position per open-lot count of the cost-per-sell runs
 * (10, 1,000 and 100,000 open lots by default) and one position with N realized P&L entries.
 */
export async function loadBooks(ctx: BenchContext): Promise<void> {
  const { config, db } = ctx;
  const started = performance.now();
  await truncateBooks(db);
  await recreateTopics(ctx.admin, APP_TOPICS);
  for (const lots of config.sellLots)
    await loadOpenLots(db, SELL_ACCOUNT, sellSymbol(lots), lots, BOOKS_START);
  await loadPnlEntries(db, PNL_ACCOUNT, 'PNL', config.pnlEntries, BOOKS_START);
  await vacuumAnalyze(db);
  const { rows } = await db.query<{ lots: number; entries: number }>(
    `SELECT (SELECT count(*)::int FROM lots WHERE remaining_qty > 0) AS lots,
            (SELECT count(*)::int FROM realized_pnl) AS entries`,
  );
  const openLots = rows[0]?.lots ?? 0;
  const pnlEntries = rows[0]?.entries ?? 0;
  ctx.results.readData = { openLots, pnlEntries };
  log(
    `books: ${fmt(openLots)} open lots (${config.sellLots.join(' / ')} per position) and ${fmt(pnlEntries)} ` +
      `realized P&L entries loaded in ${fmt((performance.now() - started) / 1000)} s`,
  );
}
