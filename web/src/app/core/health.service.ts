import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { inject, Injectable, InjectionToken, Signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import type { HealthResponse } from '@lotwise/contracts';
import {
  catchError,
  interval,
  map,
  Observable,
  of,
  startWith,
  Subject,
  switchMap,
  timeout,
  TimeoutError,
} from 'rxjs';
import { API_BASE_URL } from './api-base-url';

/** What the browser currently knows about the api. */
export type ApiStatus =
  | { readonly state: 'checking' }
  | { readonly state: 'online'; readonly checkedAt: Date }
  /** The api answered, but reported some of its dependencies (database, kafka) as down. */
  | { readonly state: 'degraded'; readonly down: readonly string[]; readonly checkedAt: Date }
  | { readonly state: 'unreachable'; readonly reason: string; readonly checkedAt: Date };

export type ApiState = ApiStatus['state'];

/** How often the api's health is polled. */
export const HEALTH_POLL_INTERVAL_MS = new InjectionToken<number>('HEALTH_POLL_INTERVAL_MS', {
  providedIn: 'root',
  factory: () => 10_000,
});

/** A health check that takes longer than this counts as unreachable (kept below the poll interval). */
export const HEALTH_REQUEST_TIMEOUT_MS = new InjectionToken<number>('HEALTH_REQUEST_TIMEOUT_MS', {
  providedIn: 'root',
  factory: () => 5_000,
});

/**
 * Polls `GET {API_BASE_URL}/health`. Polling starts the first time the service is injected and stops
 * when the application is destroyed; all consumers share one poll.
 */
@Injectable({ providedIn: 'root' })
export class HealthService {
  private readonly http = inject(HttpClient);
  private readonly pollIntervalMs = inject(HEALTH_POLL_INTERVAL_MS);
  private readonly requestTimeoutMs = inject(HEALTH_REQUEST_TIMEOUT_MS);
  private readonly refreshRequests = new Subject<void>();

  /** The health endpoint this service polls. */
  readonly healthUrl = `${inject(API_BASE_URL)}/health`;

  /** Latest known api status: `checking` until the first answer arrives. */
  readonly status: Signal<ApiStatus> = toSignal(
    this.refreshRequests.pipe(
      startWith(undefined),
      // A manual refresh restarts the schedule, so the next automatic check is a full interval away.
      switchMap(() => interval(this.pollIntervalMs).pipe(startWith(0))),
      switchMap(() => this.check()),
    ),
    { initialValue: { state: 'checking' } },
  );

  /** Checks now instead of waiting for the next poll. */
  refresh(): void {
    this.refreshRequests.next();
  }

  /** One health check. Never errors: failures are reported as an `unreachable` or `degraded` status. */
  check(): Observable<ApiStatus> {
    return this.http.get<HealthResponse>(this.healthUrl).pipe(
      timeout(this.requestTimeoutMs),
      map((body) => statusFromBody(body)),
      catchError((error: unknown) => of(statusFromError(error))),
    );
  }
}

function statusFromBody(body: unknown): ApiStatus {
  const checkedAt = new Date();
  if (!isHealthResponse(body)) {
    return { state: 'unreachable', reason: 'unexpected health response', checkedAt };
  }
  return body.status === 'ok'
    ? { state: 'online', checkedAt }
    : { state: 'degraded', down: downDependencies(body), checkedAt };
}

function statusFromError(error: unknown): ApiStatus {
  const checkedAt = new Date();
  if (error instanceof TimeoutError) {
    return { state: 'unreachable', reason: 'no answer in time', checkedAt };
  }
  if (error instanceof HttpErrorResponse) {
    // Terminus answers 503 with the usual body when a dependency is down: the api itself is up.
    if (error.status === 503 && isHealthResponse(error.error)) {
      return { state: 'degraded', down: downDependencies(error.error), checkedAt };
    }
    const reason = error.status === 0 ? 'network error' : `HTTP ${error.status}`;
    return { state: 'unreachable', reason, checkedAt };
  }
  return { state: 'unreachable', reason: 'unexpected error', checkedAt };
}

function downDependencies(body: HealthResponse): string[] {
  return Object.entries(body.details)
    .filter(([, detail]) => detail.status === 'down')
    .map(([name]) => name)
    .sort();
}

function isHealthResponse(value: unknown): value is HealthResponse {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Partial<HealthResponse>;
  return (
    (candidate.status === 'ok' || candidate.status === 'error') &&
    typeof candidate.details === 'object' &&
    candidate.details !== null
  );
}
