import { DestroyRef, inject, Injectable, InjectionToken, Signal, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { TradeStatus } from '@lotwise/contracts';
import {
  catchError,
  debounceTime,
  EMPTY,
  filter,
  finalize,
  map,
  merge,
  Observable,
  of,
  Subject,
  switchMap,
  tap,
} from 'rxjs';
import { AccountService } from '../account.service';
import { describeHttpError } from '../api-errors';
import { EventStreamService } from './event-stream.service';
import { TradeStatusTracker } from './trade-status-tracker.service';

/** Several events in a burst (a sell that settles with its siblings) cause one re-fetch. */
export const LIVE_REFRESH_DEBOUNCE_MS = new InjectionToken<number>('LIVE_REFRESH_DEBOUNCE_MS', {
  providedIn: 'root',
  factory: () => 300,
});

/** When a view of one account must re-fetch, derived from the event stream and the trade tracker. */
@Injectable({ providedIn: 'root' })
export class LiveUpdates {
  private readonly stream = inject(EventStreamService);
  private readonly tracker = inject(TradeStatusTracker);
  private readonly debounceMs = inject(LIVE_REFRESH_DEBOUNCE_MS);

  /** Positions and P&L change only when a trade of the account is APPLIED (or events may have been missed). */
  booksChanged(account: string): Observable<void> {
    return merge(
      this.tracker.settlements.pipe(filter((s) => s.account === account && s.status === TradeStatus.Applied)),
      this.stream.resyncs.pipe(filter((a) => a === account)),
    ).pipe(
      debounceTime(this.debounceMs),
      map(() => undefined),
    );
  }

  /** The trade list changes when a trade of the account is submitted or settles. */
  tradesChanged(account: string): Observable<void> {
    return merge(
      this.stream.events.pipe(filter((e) => e.type === 'trade.submitted' && e.trade.account === account)),
      this.tracker.settlements.pipe(filter((s) => s.account === account)),
      this.stream.resyncs.pipe(filter((a) => a === account)),
    ).pipe(
      debounceTime(this.debounceMs),
      map(() => undefined),
    );
  }
}

export interface LiveQuery<T> {
  /** The latest answer for the current account; undefined until the first one (or after a switch). */
  readonly value: Signal<T | undefined>;
  /** The account `value` belongs to. */
  readonly account: Signal<string | null>;
  readonly loading: Signal<boolean>;
  /** Why the last fetch failed (the previous value stays shown), or null. */
  readonly error: Signal<string | null>;
  reload(): void;
}

/**
 * Fetches `load(account)` for the selected account, again whenever `changes(account)` emits, and from
 * scratch when the account changes. Call in an injection context (a component's field initializer).
 */
export function liveQuery<T>(
  load: (account: string) => Observable<T>,
  changes: (account: string) => Observable<unknown>,
): LiveQuery<T> {
  const accounts = inject(AccountService);
  const value = signal<T | undefined>(undefined);
  const valueAccount = signal<string | null>(null);
  const loading = signal(false);
  const error = signal<string | null>(null);
  const reloads = new Subject<void>();

  toObservable(accounts.current)
    .pipe(
      switchMap((account) => {
        if (valueAccount() !== account) {
          value.set(undefined);
          valueAccount.set(account);
          error.set(null);
        }
        return merge(of(undefined), reloads, changes(account)).pipe(
          switchMap(() => {
            loading.set(true);
            return load(account).pipe(
              tap((answer) => {
                value.set(answer);
                error.set(null);
              }),
              catchError((failure: unknown) => {
                error.set(describeHttpError(failure));
                return EMPTY;
              }),
              finalize(() => loading.set(false)),
            );
          }),
        );
      }),
      takeUntilDestroyed(inject(DestroyRef)),
    )
    .subscribe();

  return {
    value: value.asReadonly(),
    account: valueAccount.asReadonly(),
    loading: loading.asReadonly(),
    error: error.asReadonly(),
    reload: () => reloads.next(),
  };
}
