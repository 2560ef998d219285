import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatProgressBar } from '@angular/material/progress-bar';
import { MatSort, MatSortHeader, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { MatTooltip } from '@angular/material/tooltip';
import type { Lot, Position } from '@lotwise/contracts';
import { map } from 'rxjs';
import { liveQuery, LiveUpdates } from '../../core/data/live-updates';
import { PositionsService } from '../../core/data/positions.service';
import { addDecimal, compareDecimal, multiplyDecimal } from '../../core/decimal';
import { DateTimePipe, DecimalTextPipe } from '../../core/format.pipes';
import { Icon } from '../../shared/icon';

export type PositionSortKey = 'symbol' | 'quantity' | 'averageCost' | 'costBasis' | 'lots';

/** Sorts positions by a column; decimals compare exactly (as strings), never as floating point. */
export function sortPositions(positions: readonly Position[], sort: Sort): Position[] {
  const rows = [...positions];
  if (sort.direction === '') return rows;
  const factor = sort.direction === 'asc' ? 1 : -1;
  const key = sort.active as PositionSortKey;
  const compare = (a: Position, b: Position): number => {
    switch (key) {
      case 'quantity':
      case 'averageCost':
      case 'costBasis':
        return compareDecimal(a[key], b[key]);
      case 'lots':
        return a.lots.length - b.lots.length;
      default:
        return a.symbol.localeCompare(b.symbol);
    }
  };
  return rows.sort((a, b) => factor * compare(a, b) || a.symbol.localeCompare(b.symbol));
}

interface LotRow {
  readonly lot: Lot;
  /** 1 is the lot the next sell consumes first. */
  readonly fifoRank: number;
  readonly remainingCost: string;
  readonly partlySold: boolean;
}

/** Open positions of the selected account; each row expands to its open lots in FIFO order. */
@Component({
  selector: 'lw-positions-page',
  imports: [
    MatTableModule,
    MatSort,
    MatSortHeader,
    MatProgressBar,
    MatButton,
    MatIconButton,
    MatTooltip,
    DecimalTextPipe,
    DateTimePipe,
    Icon,
  ],
  templateUrl: './positions-page.html',
  styleUrl: './positions-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PositionsPage {
  private readonly positionsApi = inject(PositionsService);
  private readonly live = inject(LiveUpdates);

  protected readonly query = liveQuery(
    (account) => this.positionsApi.list(account).pipe(map((response) => response.positions)),
    (account) => this.live.booksChanged(account),
  );

  protected readonly columns = ['expand', 'symbol', 'quantity', 'averageCost', 'costBasis', 'lots'];
  protected readonly sort = signal<Sort>({ active: 'symbol', direction: 'asc' });
  /** Expanded rows by symbol, so they stay open across live refreshes. */
  protected readonly expanded = signal<ReadonlySet<string>>(new Set());

  protected readonly rows = computed(() => sortPositions(this.query.value() ?? [], this.sort()));
  protected readonly totalCostBasis = computed(() =>
    this.rows().reduce((sum, position) => addDecimal(sum, position.costBasis), '0'),
  );
  protected readonly allExpanded = computed(
    () => this.rows().length > 0 && this.rows().every((row) => this.expanded().has(row.symbol)),
  );

  /** Lots as the api lists them: oldest first, i.e. the order sells consume them (FIFO). */
  protected lotRows(position: Position): LotRow[] {
    return position.lots.map((lot, index) => ({
      lot,
      fifoRank: index + 1,
      remainingCost: multiplyDecimal(lot.remainingQty, lot.price),
      partlySold: compareDecimal(lot.remainingQty, lot.qty) !== 0,
    }));
  }

  protected isExpanded(symbol: string): boolean {
    return this.expanded().has(symbol);
  }

  protected toggle(symbol: string): void {
    this.expanded.update((current) => {
      const next = new Set(current);
      if (!next.delete(symbol)) next.add(symbol);
      return next;
    });
  }

  protected toggleAll(): void {
    this.expanded.set(this.allExpanded() ? new Set() : new Set(this.rows().map((row) => row.symbol)));
  }
}
