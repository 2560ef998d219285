import { DestroyRef, effect, inject, Injectable, InjectionToken, signal, untracked } from '@angular/core';
import type { LotwiseStreamEvent } from '@lotwise/contracts';
import { Observable, Subject } from 'rxjs';
import { AccountService } from '../account.service';
import { API_BASE_URL } from '../api-base-url';
import { EVENT_SOURCE_FACTORY } from '../browser';
import { HealthService } from '../health.service';

/**
 * - `connecting`: first attempt for this account
 * - `open`: events flow
 * - `reconnecting`: the stream dropped (or never opened); retrying with backoff
 * - `unavailable`: this browser has no EventSource; the dashboard polls instead
 */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'unavailable';

export interface StreamTiming {
  /** First retry delay; doubles per failed attempt (with jitter) up to `maxRetryMs`. */
  readonly initialRetryMs: number;
  readonly maxRetryMs: number;
  /** No message (the api sends a heartbeat every 15 s) for this long counts as a dropped stream. */
  readonly staleAfterMs: number;
}

export const STREAM_TIMING = new InjectionToken<StreamTiming>('STREAM_TIMING', {
  providedIn: 'root',
  factory: () => ({ initialRetryMs: 1_000, maxRetryMs: 30_000, staleAfterMs: 45_000 }),
});

const EVENT_TYPES = new Set<LotwiseStreamEvent['type']>(['trade.submitted', 'trade.settled', 'heartbeat']);

function parseEvent(data: unknown): LotwiseStreamEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const value = JSON.parse(data) as Partial<LotwiseStreamEvent> | null;
    if (!value || typeof value !== 'object' || !EVENT_TYPES.has(value.type as LotwiseStreamEvent['type'])) {
      return null;
    }
    if (value.type === 'trade.submitted' && typeof value.trade?.id !== 'string') return null;
    if (value.type === 'trade.settled' && typeof value.settlement?.tradeId !== 'string') return null;
    return value as LotwiseStreamEvent;
  } catch {
    return null;
  }
}

/**
 * The one live connection to `GET {API_BASE_URL}/events?account=<current account>` (Server-Sent Events).
 *
 * It follows the account switcher, and reconnects itself with exponential backoff when the stream drops,
 * errors or goes silent (no heartbeat), at once when the browser comes back online or the api's health
 * check succeeds again. Events missed while disconnected are not replayed by the api, so every reconnect
 * is announced on `resyncs`: views re-fetch what they show.
 */
@Injectable({ providedIn: 'root' })
export class EventStreamService {
  private readonly baseUrl = inject(API_BASE_URL);
  private readonly createSource = inject(EVENT_SOURCE_FACTORY);
  private readonly timing = inject(STREAM_TIMING);
  private readonly eventSubject = new Subject<LotwiseStreamEvent>();
  private readonly resyncSubject = new Subject<string>();
  private readonly stateSignal = signal<StreamState>('connecting');
  private readonly followedSignal = signal<string | null>(null);
  private readonly lastMessageSignal = signal<Date | null>(null);

  private generation = 0;
  private source: EventSource | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private everOpened = false;

  readonly state = this.stateSignal.asReadonly();
  /** The account whose events the stream carries (null before the first connection). */
  readonly account = this.followedSignal.asReadonly();
  /** When the last message (event or heartbeat) arrived. */
  readonly lastMessageAt = this.lastMessageSignal.asReadonly();
  /** Every event of the followed account, heartbeats included. */
  readonly events: Observable<LotwiseStreamEvent> = this.eventSubject.asObservable();
  /** The account, each time the stream is back after a drop: re-fetch, events may have been missed. */
  readonly resyncs: Observable<string> = this.resyncSubject.asObservable();

  constructor() {
    const accounts = inject(AccountService);
    const health = inject(HealthService);
    effect(() => {
      const account = accounts.current();
      untracked(() => this.follow(account));
    });
    // The api is back (health check passed): no need to wait for the backoff.
    effect(() => {
      if (health.status().state === 'online') untracked(() => this.retrySoon());
    });
    const onOnline = () => this.retrySoon();
    globalThis.addEventListener?.('online', onOnline);
    inject(DestroyRef).onDestroy(() => {
      globalThis.removeEventListener?.('online', onOnline);
      this.generation++;
      this.teardown();
    });
  }

  /** Reconnects at once if the stream is currently waiting out a backoff delay. */
  retrySoon(): void {
    if (this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.open(this.generation);
  }

  private follow(account: string): void {
    if (account === this.followedSignal()) return;
    this.generation++;
    this.teardown();
    this.followedSignal.set(account);
    this.attempt = 0;
    this.everOpened = false;
    this.open(this.generation);
  }

  private open(generation: number): void {
    const account = this.followedSignal();
    if (generation !== this.generation || account === null) return;
    const source = this.createSource(`${this.baseUrl}/events?account=${encodeURIComponent(account)}`);
    if (!source) {
      this.stateSignal.set('unavailable');
      return;
    }
    this.source = source;
    this.stateSignal.set(this.everOpened || this.attempt > 0 ? 'reconnecting' : 'connecting');
    source.onopen = () => {
      if (generation !== this.generation) return;
      const isReconnect = this.everOpened || this.attempt > 0;
      this.everOpened = true;
      this.attempt = 0;
      this.stateSignal.set('open');
      this.armStaleTimer(generation);
      if (isReconnect) this.resyncSubject.next(account);
    };
    source.onmessage = (message: MessageEvent) => {
      if (generation !== this.generation) return;
      this.lastMessageSignal.set(new Date());
      this.armStaleTimer(generation);
      const event = parseEvent(message.data);
      if (event) this.eventSubject.next(event);
    };
    // EventSource would retry on its own at a fixed pace; we close it and back off instead.
    source.onerror = () => {
      if (generation === this.generation) this.dropped(generation);
    };
  }

  private dropped(generation: number): void {
    this.teardown();
    this.stateSignal.set('reconnecting');
    const base = Math.min(this.timing.maxRetryMs, this.timing.initialRetryMs * 2 ** this.attempt);
    this.attempt++;
    const delay = Math.round(base * (0.75 + Math.random() * 0.25));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open(generation);
    }, delay);
  }

  private armStaleTimer(generation: number): void {
    if (this.staleTimer !== null) clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null;
      if (generation === this.generation) this.dropped(generation);
    }, this.timing.staleAfterMs);
  }

  private teardown(): void {
    if (this.source) {
      this.source.onopen = null;
      this.source.onmessage = null;
      this.source.onerror = null;
      this.source.close();
      this.source = null;
    }
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.staleTimer !== null) clearTimeout(this.staleTimer);
    this.retryTimer = null;
    this.staleTimer = null;
  }
}
