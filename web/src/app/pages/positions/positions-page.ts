import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatProgressBar } from '@angular/material/progress-bar';
import { MatSort, MatSortHeader, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import {
  BOOKS_PAGE_LIMIT,
  type Lot,
  type LotPage,
  type Position,
  type PositionPage,
} from '@lotwise/contracts';
import {
  catchError,
  concatMap,
  EMPTY,
  from,
  groupBy,
  merge,
  mergeMap,
  Observable,
  Subject,
  switchMap,
  tap,
} from 'rxjs';
import { AccountService } from '../../core/account.service';
import { describeHttpError } from '../../core/api-errors';
import { livePages } from '../../core/data/live-pages';
import { LiveUpdates } from '../../core/data/live-updates';
import { PositionsService } from '../../core/data/positions.service';
import { addDecimal, compareDecimal, multiplyDecimal } from '../../core/decimal';
import { DateTimePipe, DecimalTextPipe } from '../../core/format.pipes';
import { Icon } from '../../shared/icon';
import { PageHeader } from '../../shared/page-header';

export type PositionSortKey = 'symbol' | 'quantity' | 'averageCost' | 'costBasis';

export const POSITIONS_PAGE_SIZE = 100;
export const LOTS_PAGE_SIZE = 50;

/** Sorts positions by a column; decimals compare exactly (as strings), never as floating point. */
export function sortPositions(positions: readonly Position[], sort: Sort): Position[] {
  const rows = [...positions];
  if (sort.direction === '') return rows;
  const factor = sort.direction === 'asc' ? 1 : -1;
  const key = sort.active as PositionSortKey;
  const compare = (a: Position, b: Position): number =>
    key === 'symbol' ? a.symbol.localeCompare(b.symbol) : compareDecimal(a[key], b[key]);
  return rows.sort((a, b) => factor * compare(a, b) || a.symbol.localeCompare(b.symbol));
}

/** The open lots of one expanded position, loaded a page at a time. */
export interface LotsState {
  readonly items: readonly Lot[];
  readonly nextCursor: string | null;
  readonly loading: boolean;
  readonly error: string | null;
}

interface LotRow {
  readonly lot: Lot;
  /** 1 is the lot the next sell consumes first. */
  readonly fifoRank: number;
  readonly remainingCost: string;
  readonly partlySold: boolean;
}

type LotsOperation = 'first' | 'more' | 'refresh';

/** Open positions of the selected account; a row expands to its open lots in FIFO order, read on demand. */
@Component({
  selector: 'lw-positions-page',
  imports: [
    MatTableModule,
    MatSort,
    MatSortHeader,
    MatProgressBar,
    MatButton,
    MatIconButton,
    DecimalTextPipe,
    DateTimePipe,
    Icon,
    PageHeader,
  ],
  templateUrl: './positions-page.html',
  styleUrl: './positions-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PositionsPage {
  private readonly positionsApi = inject(PositionsService);
  private readonly live = inject(LiveUpdates);
  private readonly accounts = inject(AccountService);
  private readonly lotOperations = new Subject<{ symbol: string; operation: LotsOperation }>();

  protected readonly positions = livePages<Position, PositionPage>(
    (account, limit, cursor) => this.positionsApi.list({ account, limit, ...(cursor ? { cursor } : {}) }),
    (account) => this.live.booksChanged(account),
    { pageSize: POSITIONS_PAGE_SIZE, key: (position) => position.symbol },
  );

  protected readonly columns = ['expand', 'symbol', 'quantity', 'averageCost', 'costBasis'];
  protected readonly sort = signal<Sort>({ active: 'symbol', direction: 'asc' });
  /** Expanded rows by symbol, so they stay open across live refreshes. */
  protected readonly expanded = signal<ReadonlySet<string>>(new Set());
  /** Lots of the expanded rows, by symbol. */
  protected readonly lots = signal<ReadonlyMap<string, LotsState>>(new Map());

  /** Sorted in the browser: over the positions loaded so far. */
  protected readonly rows = computed(() => sortPositions(this.positions.items() ?? [], this.sort()));
  protected readonly totalCostBasis = computed(() =>
    this.rows().reduce((sum, position) => addDecimal(sum, position.costBasis), '0'),
  );

  constructor() {
    // Per account: lots requests of one position run in order, different positions at once; on a change of
    // the books every expanded position re-reads the lots it shows.
    toObservable(this.accounts.current)
      .pipe(
        switchMap((account) => {
          this.expanded.set(new Set());
          this.lots.set(new Map());
          const refreshes = this.live
            .booksChanged(account)
            .pipe(
              mergeMap(() =>
                from([...this.expanded()].map((symbol) => ({ symbol, operation: 'refresh' as const }))),
              ),
            );
          return merge(this.lotOperations, refreshes).pipe(
            groupBy((request) => request.symbol),
            mergeMap((requests) =>
              requests.pipe(concatMap(({ symbol, operation }) => this.runLots(account, symbol, operation))),
            ),
          );
        }),
        takeUntilDestroyed(),
      )
      .subscribe();
  }

  protected lotsOf(symbol: string): LotsState | undefined {
    return this.lots().get(symbol);
  }

  /** Lots as the api lists them: oldest first, i.e. the order sells consume them (FIFO). */
  protected lotRows(symbol: string): LotRow[] {
    return (this.lotsOf(symbol)?.items ?? []).map((lot, index) => ({
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
    const next = new Set(this.expanded());
    if (next.delete(symbol)) {
      this.expanded.set(next);
      this.lots.update((current) => {
        const remaining = new Map(current);
        remaining.delete(symbol);
        return remaining;
      });
    } else {
      this.expanded.set(next.add(symbol));
      this.lotOperations.next({ symbol, operation: 'first' });
    }
  }

  protected loadMoreLots(symbol: string): void {
    const state = this.lotsOf(symbol);
    if (state && !state.loading && state.nextCursor) this.lotOperations.next({ symbol, operation: 'more' });
  }

  protected retryLots(symbol: string): void {
    this.lotOperations.next({ symbol, operation: 'refresh' });
  }

  private runLots(account: string, symbol: string, operation: LotsOperation): Observable<unknown> {
    const previous = this.lotsOf(symbol);
    // Collapsed meanwhile (or never expanded): nothing to show, nothing to read.
    if (!this.expanded().has(symbol) && operation !== 'first') return EMPTY;
    if (operation === 'more' && !previous?.nextCursor) return EMPTY;
    const query =
      operation === 'more'
        ? { limit: LOTS_PAGE_SIZE, cursor: previous?.nextCursor ?? undefined }
        : {
            limit:
              operation === 'refresh'
                ? Math.min(BOOKS_PAGE_LIMIT.max, Math.max(LOTS_PAGE_SIZE, previous?.items.length ?? 0))
                : LOTS_PAGE_SIZE,
          };
    this.setLots(symbol, {
      items: previous?.items ?? [],
      nextCursor: previous?.nextCursor ?? null,
      loading: true,
      error: null,
    });
    return this.positionsApi.lots(account, symbol, query).pipe(
      tap((page: LotPage) =>
        this.setLots(symbol, {
          items: operation === 'more' ? [...(previous?.items ?? []), ...page.items] : page.items,
          nextCursor: page.nextCursor,
          loading: false,
          error: null,
        }),
      ),
      catchError((failure: unknown) => {
        this.setLots(symbol, {
          items: previous?.items ?? [],
          nextCursor: previous?.nextCursor ?? null,
          loading: false,
          error: describeHttpError(failure),
        });
        return EMPTY;
      }),
    );
  }

  private setLots(symbol: string, state: LotsState): void {
    // A position collapsed while its lots were on the way keeps nothing.
    if (!this.expanded().has(symbol)) return;
    this.lots.update((current) => new Map(current).set(symbol, state));
  }
}
