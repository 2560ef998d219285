import { HttpErrorResponse } from '@angular/common/http';
import { DestroyRef, inject, Injectable, InjectionToken, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Trade, TradeStatus } from '@lotwise/contracts';
import { finalize, Observable, Subject } from 'rxjs';
import { EventStreamService } from './event-stream.service';
import { TradesService } from './trades.service';

/** A trade's final outcome, from the stream's `trade.settled` or from polling `GET /trades/:id`. */
export interface TradeSettlement {
  readonly tradeId: string;
  readonly account: string;
  readonly symbol: string;
  readonly status: Exclude<TradeStatus, 'PENDING'>;
  readonly rejectReason?: string;
}

export interface TradePollTiming {
  /** How often a pending trade is polled while the stream cannot deliver its outcome. */
  readonly intervalMs: number;
  /** Polling slows down to this for trades that stay pending long. */
  readonly maxIntervalMs: number;
  /** Even with the stream open, a trade still pending after this long is polled (belt and braces). */
  readonly streamGraceMs: number;
  /** How often the tracker looks for trades due for a poll. */
  readonly tickMs: number;
}

export const TRADE_POLL_TIMING = new InjectionToken<TradePollTiming>('TRADE_POLL_TIMING', {
  providedIn: 'root',
  factory: () => ({ intervalMs: 2_000, maxIntervalMs: 10_000, streamGraceMs: 5_000, tickMs: 500 }),
});

interface Watched {
  trade: Trade;
  readonly since: number;
  nextPollAt: number;
  polls: number;
  inFlight: boolean;
  /** Poll at the next tick even if the stream is open (set on a re-sync). */
  force: boolean;
}

const MAX_REMEMBERED = 500;
const MAX_POLLS_PER_TICK = 6;
const MAX_WATCHED_FROM_STREAM = 200;

/**
 * Follows trades until they settle. Outcomes come from the event stream; when the stream is down, follows
 * another account, or stays silent about a trade for a few seconds, pending trades are polled with
 * `GET /trades/:id` instead. `settlements` emits each trade's outcome exactly once, whichever way it came.
 */
@Injectable({ providedIn: 'root' })
export class TradeStatusTracker {
  private readonly stream = inject(EventStreamService);
  private readonly tradesApi = inject(TradesService);
  private readonly timing = inject(TRADE_POLL_TIMING);
  private readonly watched = new Map<string, Watched>();
  private readonly settledEarly = new Map<string, TradeSettlement>();
  private readonly announced = new Set<string>();
  private readonly settlementSubject = new Subject<TradeSettlement>();
  private readonly tradesSignal = signal<ReadonlyMap<string, Trade>>(new Map());
  private ticker: ReturnType<typeof setInterval> | null = null;

  /** The latest known state of every followed trade, by id. */
  readonly trades = this.tradesSignal.asReadonly();
  /** Each followed (or streamed) trade's outcome, once. */
  readonly settlements: Observable<TradeSettlement> = this.settlementSubject.asObservable();

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.stream.events.pipe(takeUntilDestroyed(destroyRef)).subscribe((event) => {
      if (event.type === 'trade.submitted') this.watch(event.trade, { fromStream: true });
      else if (event.type === 'trade.settled') this.settle(event.settlement);
    });
    // After a drop the stream does not replay what it missed: ask for every pending trade now.
    this.stream.resyncs.pipe(takeUntilDestroyed(destroyRef)).subscribe(() => {
      for (const entry of this.watched.values()) entry.force = true;
      this.tick();
    });
    destroyRef.onDestroy(() => this.stopTicker());
  }

  /**
   * Starts following a trade (e.g. the answer to `POST /trades`); settled trades are just recorded. Trades
   * only seen on the stream are followed up to a limit, so a bulk load elsewhere cannot flood the api.
   */
  watch(trade: Trade, options: { fromStream?: boolean } = {}): void {
    const early = this.settledEarly.get(trade.id);
    if (trade.status === TradeStatus.Pending && !early) {
      if (options.fromStream && this.watched.size >= MAX_WATCHED_FROM_STREAM) return;
      if (!this.watched.has(trade.id)) {
        const now = Date.now();
        this.watched.set(trade.id, {
          trade,
          since: now,
          nextPollAt: now,
          polls: 0,
          inFlight: false,
          force: false,
        });
        this.publish(trade);
        this.startTicker();
      }
      return;
    }
    this.publish(early ? withOutcome(trade, early) : trade);
    if (early) this.announce(early);
    else if (trade.status !== TradeStatus.Pending) this.announce(settlementOf(trade));
  }

  private settle(settlement: TradeSettlement): void {
    const entry = this.watched.get(settlement.tradeId);
    if (entry) {
      this.watched.delete(settlement.tradeId);
      this.publish(withOutcome(entry.trade, settlement));
    } else {
      // The outcome can overtake the POST's answer; remember it for watch().
      this.settledEarly.set(settlement.tradeId, settlement);
      trimOldest(this.settledEarly, MAX_REMEMBERED);
      const known = this.tradesSignal().get(settlement.tradeId);
      if (known) this.publish(withOutcome(known, settlement));
    }
    this.announce(settlement);
    if (this.watched.size === 0) this.stopTicker();
  }

  private announce(settlement: TradeSettlement): void {
    if (this.announced.has(settlement.tradeId)) return;
    this.announced.add(settlement.tradeId);
    if (this.announced.size > MAX_REMEMBERED * 4)
      this.announced.delete(this.announced.values().next().value as string);
    this.settlementSubject.next(settlement);
  }

  private publish(trade: Trade): void {
    const next = new Map(this.tradesSignal());
    next.set(trade.id, trade);
    trimOldest(next, MAX_REMEMBERED);
    this.tradesSignal.set(next);
  }

  private tick(): void {
    const now = Date.now();
    const due = [...this.watched.values()]
      .filter((entry) => !entry.inFlight && this.isDue(entry, now))
      .slice(0, MAX_POLLS_PER_TICK);
    for (const entry of due) {
      entry.inFlight = true;
      entry.force = false;
      entry.polls++;
      // 2 s for the first polls, then slower for a trade that stays pending (a stalled matcher).
      const interval = this.timing.intervalMs * (1 + Math.floor(entry.polls / 5));
      entry.nextPollAt = now + Math.min(this.timing.maxIntervalMs, interval);
      this.tradesApi
        .get(entry.trade.id)
        .pipe(finalize(() => (entry.inFlight = false)))
        .subscribe({
          next: (trade) => {
            if (trade.status !== TradeStatus.Pending) this.settle(settlementOf(trade));
          },
          error: (error: unknown) => {
            // Unknown id: nothing to wait for. Any other failure is retried at nextPollAt.
            if (error instanceof HttpErrorResponse && error.status === 404)
              this.watched.delete(entry.trade.id);
          },
        });
    }
  }

  private isDue(entry: Watched, now: number): boolean {
    if (entry.force) return true;
    if (now < entry.nextPollAt) return false;
    const streamCovers =
      this.stream.state() === 'open' &&
      this.stream.account() === entry.trade.account &&
      now - entry.since < this.timing.streamGraceMs;
    return !streamCovers;
  }

  private startTicker(): void {
    this.ticker ??= setInterval(() => this.tick(), this.timing.tickMs);
  }

  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }
}

function settlementOf(trade: Trade): TradeSettlement {
  return {
    tradeId: trade.id,
    account: trade.account,
    symbol: trade.symbol,
    status: trade.status === TradeStatus.Rejected ? TradeStatus.Rejected : TradeStatus.Applied,
    ...(trade.rejectReason !== undefined ? { rejectReason: trade.rejectReason } : {}),
  };
}

function withOutcome(trade: Trade, settlement: TradeSettlement): Trade {
  const { rejectReason: _previous, ...rest } = trade;
  return settlement.rejectReason !== undefined
    ? { ...rest, status: settlement.status, rejectReason: settlement.rejectReason }
    : { ...rest, status: settlement.status };
}

function trimOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as K);
}
