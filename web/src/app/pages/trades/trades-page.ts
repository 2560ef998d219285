import { ChangeDetectionStrategy, Component, computed, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButton } from '@angular/material/button';
import {
  MatButtonToggle,
  MatButtonToggleChange,
  MatButtonToggleGroup,
} from '@angular/material/button-toggle';
import { MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { MatProgressBar } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { ListTradesQuery, Trade, TRADE_FIELD_RULES, TradePage, TradeStatus } from '@lotwise/contracts';
import {
  catchError,
  concatMap,
  debounceTime,
  EMPTY,
  finalize,
  map,
  merge,
  Observable,
  of,
  Subject,
  switchMap,
  tap,
} from 'rxjs';
import { AccountService } from '../../core/account.service';
import { describeHttpError } from '../../core/api-errors';
import { LiveUpdates } from '../../core/data/live-updates';
import { TradeStatusTracker } from '../../core/data/trade-status-tracker.service';
import { TradesService } from '../../core/data/trades.service';
import { absDecimal, isNegativeDecimal, multiplyDecimal } from '../../core/decimal';
import { DateTimePipe, DecimalTextPipe } from '../../core/format.pipes';
import { PageHeader } from '../../shared/page-header';
import { TradeStatusBadge } from '../../shared/trade-status';

export type StatusFilter = 'ALL' | TradeStatus;

export const TRADES_PAGE_SIZE = 50;
/** The api's largest page: a live refresh re-reads at most this many of the newest trades. */
const MAX_LIMIT = 200;

interface Filters {
  readonly account: string;
  readonly status: StatusFilter;
  readonly symbol: string;
}

interface Listing {
  readonly items: readonly Trade[];
  readonly nextCursor: string | null;
}

type Operation = 'reset' | 'refresh' | 'more';

function idBefore(a: string, b: string): boolean {
  return BigInt(a) < BigInt(b);
}

/**
 * Folds a re-read of the newest trades into what is shown: the fresh head replaces the old one, and
 * older pages loaded with "Load more" beyond the head's reach are kept.
 */
export function mergeHead(previous: Listing, head: TradePage): Listing {
  const oldest = head.items.at(-1);
  if (head.nextCursor === null || oldest === undefined)
    return { items: head.items, nextCursor: head.nextCursor };
  const tail = previous.items.filter((trade) => idBefore(trade.id, oldest.id));
  return tail.length > 0
    ? { items: [...head.items, ...tail], nextCursor: previous.nextCursor }
    : { items: head.items, nextCursor: head.nextCursor };
}

/** Trade history of the selected account, newest first, with a status filter and "Load more". */
@Component({
  selector: 'lw-trades-page',
  imports: [
    ReactiveFormsModule,
    MatTableModule,
    MatButton,
    MatButtonToggleGroup,
    MatButtonToggle,
    MatFormField,
    MatLabel,
    MatInput,
    MatProgressBar,
    DecimalTextPipe,
    DateTimePipe,
    PageHeader,
    TradeStatusBadge,
  ],
  templateUrl: './trades-page.html',
  styleUrl: './trades-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TradesPage {
  private readonly tradesApi = inject(TradesService);
  private readonly accounts = inject(AccountService);
  private readonly live = inject(LiveUpdates);
  private readonly tracker = inject(TradeStatusTracker);
  private readonly operations = new Subject<Operation>();

  protected readonly columns = [
    'executedAt',
    'symbol',
    'side',
    'qty',
    'price',
    'status',
    'notional',
    'id',
    'receivedAt',
  ];
  protected readonly statusOptions: readonly { value: StatusFilter; label: string }[] = [
    { value: 'ALL', label: 'All' },
    { value: TradeStatus.Pending, label: 'Pending' },
    { value: TradeStatus.Applied, label: 'Applied' },
    { value: TradeStatus.Rejected, label: 'Rejected' },
  ];

  protected readonly status = signal<StatusFilter>('ALL');
  protected readonly symbolControl = new FormControl('', { nonNullable: true });
  private readonly symbol = signal('');
  protected readonly account = this.accounts.current;

  private readonly listing = signal<Listing | undefined>(undefined);
  protected readonly loading = signal(false);
  protected readonly loadingMore = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly hasMore = computed(() => (this.listing()?.nextCursor ?? null) !== null);
  protected readonly filtered = computed(() => this.status() !== 'ALL' || this.symbol() !== '');

  /** The listed trades, with outcomes the tracker already knows patched in until the next re-read. */
  protected readonly rows = computed(() => {
    const known = this.tracker.trades();
    return (this.listing()?.items ?? []).map((trade) => {
      const latest = known.get(trade.id);
      const shown =
        trade.status === TradeStatus.Pending && latest && latest.status !== TradeStatus.Pending
          ? latest
          : trade;
      return {
        trade: shown,
        sell: isNegativeDecimal(shown.qty),
        qty: absDecimal(shown.qty),
        notional: multiplyDecimal(absDecimal(shown.qty), shown.price),
      };
    });
  });
  protected readonly loaded = computed(() => this.listing() !== undefined);

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.symbolControl.valueChanges
      .pipe(debounceTime(400), takeUntilDestroyed(destroyRef))
      .subscribe(() => this.applySymbol());

    const filters = computed<Filters>(() => ({
      account: this.accounts.current(),
      status: this.status(),
      symbol: this.symbol(),
    }));
    toObservable(filters)
      .pipe(
        switchMap((current) => {
          this.listing.set(undefined);
          this.error.set(null);
          return merge(
            of<Operation>('reset'),
            this.operations,
            this.live.tradesChanged(current.account).pipe(map((): Operation => 'refresh')),
          ).pipe(concatMap((operation) => this.run(operation, current)));
        }),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe();
  }

  protected setStatus(change: MatButtonToggleChange): void {
    this.status.set(change.value as StatusFilter);
  }

  protected applySymbol(): void {
    const value = this.symbolControl.value.trim().toUpperCase();
    if (value === '' || TRADE_FIELD_RULES.symbolPattern.test(value)) this.symbol.set(value);
  }

  protected reload(): void {
    this.operations.next('refresh');
  }

  protected loadMore(): void {
    if (!this.loadingMore()) this.operations.next('more');
  }

  private run(operation: Operation, filters: Filters): Observable<unknown> {
    const previous = this.listing();
    if (operation === 'more') {
      const cursor = previous?.nextCursor;
      if (!previous || !cursor) return EMPTY;
      this.loadingMore.set(true);
      return this.fetch(filters, TRADES_PAGE_SIZE, cursor).pipe(
        tap((page) => {
          const seen = new Set(previous.items.map((trade) => trade.id));
          this.listing.set({
            items: [...previous.items, ...page.items.filter((trade) => !seen.has(trade.id))],
            nextCursor: page.nextCursor,
          });
        }),
        finalize(() => this.loadingMore.set(false)),
      );
    }
    const limit =
      operation === 'refresh' && previous
        ? Math.min(MAX_LIMIT, Math.max(TRADES_PAGE_SIZE, previous.items.length))
        : TRADES_PAGE_SIZE;
    this.loading.set(true);
    return this.fetch(filters, limit).pipe(
      tap((page) => this.listing.set(previous && operation === 'refresh' ? mergeHead(previous, page) : page)),
      finalize(() => this.loading.set(false)),
    );
  }

  private fetch(filters: Filters, limit: number, cursor?: string): Observable<TradePage> {
    const query: ListTradesQuery = {
      account: filters.account,
      limit,
      ...(filters.status !== 'ALL' ? { status: filters.status } : {}),
      ...(filters.symbol !== '' ? { symbol: filters.symbol } : {}),
      ...(cursor ? { cursor } : {}),
    };
    return this.tradesApi.list(query).pipe(
      tap(() => this.error.set(null)),
      catchError((failure: unknown) => {
        this.error.set(describeHttpError(failure));
        return EMPTY;
      }),
    );
  }
}
