import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatProgressBar } from '@angular/material/progress-bar';
import { MatSort, MatSortHeader, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import type { PnlPage as PnlPageResponse, RealizedPnlEntry } from '@lotwise/contracts';
import { livePages } from '../../core/data/live-pages';
import { LiveUpdates } from '../../core/data/live-updates';
import { PnlService } from '../../core/data/pnl.service';
import { compareDecimal, isNegativeDecimal } from '../../core/decimal';
import { DateTimePipe, DecimalTextPipe } from '../../core/format.pipes';
import { PageHeader } from '../../shared/page-header';
import { PnlChart } from './pnl-chart';
import { soldAt } from './pnl-series';

export type PnlSortKey = 'soldAt' | 'symbol' | 'qty' | 'buyPrice' | 'sellPrice' | 'realizedPnl' | 'lotId';

export const PNL_PAGE_SIZE = 100;

/** Sorts P&L entries by a column, exactly for decimals; ties keep the newest entry first. */
export function sortPnlEntries(entries: readonly RealizedPnlEntry[], sort: Sort): RealizedPnlEntry[] {
  const rows = [...entries];
  if (sort.direction === '') return rows;
  const factor = sort.direction === 'asc' ? 1 : -1;
  const key = sort.active as PnlSortKey;
  const byId = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const compare = (a: RealizedPnlEntry, b: RealizedPnlEntry): number => {
    if (key === 'qty' || key === 'buyPrice' || key === 'sellPrice' || key === 'realizedPnl')
      return compareDecimal(a[key], b[key]);
    if (key === 'symbol') return a.symbol.localeCompare(b.symbol);
    if (key === 'lotId') return byId(a.lotId, b.lotId);
    return Date.parse(soldAt(a)) - Date.parse(soldAt(b)) || byId(a.id, b.id);
  };
  return rows.sort((a, b) => factor * compare(a, b) || byId(b.id, a.id));
}

/** Realized P&L of the selected account: totals, a cumulative chart and the matched lot portions, newest first. */
@Component({
  selector: 'lw-pnl-page',
  imports: [
    MatTableModule,
    MatSort,
    MatSortHeader,
    MatProgressBar,
    MatButton,
    DecimalTextPipe,
    DateTimePipe,
    PageHeader,
    PnlChart,
  ],
  templateUrl: './pnl-page.html',
  styleUrl: './pnl-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PnlPage {
  private readonly pnlApi = inject(PnlService);
  private readonly live = inject(LiveUpdates);

  protected readonly pnl = livePages<RealizedPnlEntry, PnlPageResponse>(
    (account, limit, cursor) => this.pnlApi.list({ account, limit, ...(cursor ? { cursor } : {}) }),
    (account) => this.live.booksChanged(account),
    { pageSize: PNL_PAGE_SIZE, key: (entry) => entry.id },
  );

  protected readonly columns = [
    'soldAt',
    'symbol',
    'qty',
    'sellPrice',
    'lotId',
    'buyPrice',
    'realizedPnl',
    'sellTradeId',
  ];
  protected readonly sort = signal<Sort>({ active: 'soldAt', direction: 'desc' });

  protected readonly entries = computed(() => this.pnl.items() ?? []);
  /** Sorted in the browser: over the entries loaded so far. */
  protected readonly rows = computed(() =>
    sortPnlEntries(this.entries(), this.sort()).map((entry) => ({ entry, soldAt: soldAt(entry) })),
  );
  /** From the api, over every entry of the account (not only those loaded). */
  protected readonly totals = computed(() =>
    [...(this.pnl.latest()?.totals ?? [])].sort((a, b) => a.symbol.localeCompare(b.symbol)),
  );
  protected readonly total = computed(() => this.pnl.latest()?.total ?? '0');

  protected tone(value: string): 'gain' | 'loss' | '' {
    if (compareDecimal(value, '0') === 0) return '';
    return isNegativeDecimal(value) ? 'loss' : 'gain';
  }
}
