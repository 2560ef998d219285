import { inject, Injectable, InjectionToken } from '@angular/core';
import { TradeStatus } from '@lotwise/contracts';
import { debounceTime, filter, map, merge, Observable } from 'rxjs';
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
