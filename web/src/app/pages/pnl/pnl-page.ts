import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatPaginator, PageEvent } from '@angular/material/paginator';
import { MatProgressBar } from '@angular/material/progress-bar';
import { MatSort, MatSortHeader, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { MatTooltip } from '@angular/material/tooltip';
import type { RealizedPnlEntry } from '@lotwise/contracts';
import { liveQuery, LiveUpdates } from '../../core/data/live-updates';
import { PnlService } from '../../core/data/pnl.service';
import { compareDecimal, isNegativeDecimal } from '../../core/decimal';
import { DateTimePipe, DecimalTextPipe } from '../../core/format.pipes';
import { Icon } from '../../shared/icon';
import { PnlChart } from './pnl-chart';

export type PnlSortKey = 'createdAt' | 'symbol' | 'qty' | 'buyPrice' | 'sellPrice' | 'realizedPnl' | 'lotId';

const DECIMAL_KEYS = new Set<PnlSortKey>(['qty', 'buyPrice', 'sellPrice', 'realizedPnl']);

/** Sorts P&L entries by a column, exactly for decimals; ties keep the newest entry first. */
export function sortPnlEntries(entries: readonly RealizedPnlEntry[], sort: Sort): RealizedPnlEntry[] {
  const rows = [...entries];
  if (sort.direction === '') return rows;
  const factor = sort.direction === 'asc' ? 1 : -1;
  const key = sort.active as PnlSortKey;
  const byId = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const compare = (a: RealizedPnlEntry, b: RealizedPnlEntry): number => {
    if (DECIMAL_KEYS.has(key)) return compareDecimal(a[key], b[key]);
    if (key === 'symbol') return a.symbol.localeCompare(b.symbol);
    if (key === 'lotId') return byId(a.lotId, b.lotId);
    return Date.parse(a.createdAt) - Date.parse(b.createdAt) || byId(a.id, b.id);
  };
  return rows.sort((a, b) => factor * compare(a, b) || byId(b.id, a.id));
}

/** Realized P&L of the selected account: totals, a cumulative chart and every matched lot portion. */
@Component({
  selector: 'lw-pnl-page',
  imports: [
    MatTableModule,
    MatSort,
    MatSortHeader,
    MatPaginator,
    MatProgressBar,
    MatButton,
    MatIconButton,
    MatTooltip,
    DecimalTextPipe,
    DateTimePipe,
    Icon,
    PnlChart,
  ],
  templateUrl: './pnl-page.html',
  styleUrl: './pnl-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PnlPage {
  private readonly pnlApi = inject(PnlService);
  private readonly live = inject(LiveUpdates);

  protected readonly query = liveQuery(
    (account) => this.pnlApi.get(account),
    (account) => this.live.booksChanged(account),
  );

  protected readonly columns = [
    'createdAt',
    'symbol',
    'qty',
    'sellPrice',
    'lotId',
    'buyPrice',
    'realizedPnl',
    'sellTradeId',
  ];
  protected readonly pageSizes = [10, 25, 50, 100];
  protected readonly sort = signal<Sort>({ active: 'createdAt', direction: 'desc' });
  protected readonly page = signal({ index: 0, size: 10 });

  protected readonly entries = computed(() => this.query.value()?.entries ?? []);
  protected readonly sorted = computed(() => sortPnlEntries(this.entries(), this.sort()));
  protected readonly pageRows = computed(() => {
    const { index, size } = this.page();
    const rows = this.sorted();
    // A refresh can shrink the list under the current page: show its last page instead of nothing.
    const lastIndex = Math.max(0, Math.ceil(rows.length / size) - 1);
    const start = Math.min(index, lastIndex) * size;
    return rows.slice(start, start + size);
  });
  protected readonly pageIndex = computed(() =>
    Math.min(this.page().index, Math.max(0, Math.ceil(this.sorted().length / this.page().size) - 1)),
  );
  protected readonly totals = computed(() =>
    [...(this.query.value()?.totals ?? [])].sort((a, b) => a.symbol.localeCompare(b.symbol)),
  );

  protected tone(value: string): 'gain' | 'loss' | '' {
    if (compareDecimal(value, '0') === 0) return '';
    return isNegativeDecimal(value) ? 'loss' : 'gain';
  }

  protected onSort(sort: Sort): void {
    this.sort.set(sort);
    this.page.update((page) => ({ ...page, index: 0 }));
  }

  protected onPage(event: PageEvent): void {
    this.page.set({ index: event.pageIndex, size: event.pageSize });
  }
}
