import { provideHttpClient, withFetch } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { EnvironmentProviders, Provider, signal } from '@angular/core';
import type { LotwiseStreamEvent, Trade } from '@lotwise/contracts';
import { provideApiBaseUrl } from '../app/core/api-base-url';
import { EVENT_SOURCE_FACTORY, KEY_VALUE_STORE, KeyValueStore, USER_LOCALE } from '../app/core/browser';
import { LIVE_REFRESH_DEBOUNCE_MS } from '../app/core/data/live-updates';
import { ApiStatus, HealthService } from '../app/core/health.service';

// Test doubles shared by the specs (excluded from the app build by tsconfig.app.json).

export const API = 'http://api.test';

/** A stand-in for the browser's EventSource that a test opens, feeds and breaks by hand. */
export class FakeEventSource {
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {}

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.onopen?.(new Event('open'));
  }

  emit(event: LotwiseStreamEvent): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(event) }));
  }

  fail(): void {
    this.onerror?.(new Event('error'));
  }
}

/** Every EventSource the app created, newest last. */
export class FakeEventSources {
  readonly all: FakeEventSource[] = [];

  get latest(): FakeEventSource {
    const source = this.all.at(-1);
    if (!source) throw new Error('no EventSource was created');
    return source;
  }

  readonly provider: Provider = {
    provide: EVENT_SOURCE_FACTORY,
    useValue: (url: string) => {
      const source = new FakeEventSource(url);
      this.all.push(source);
      return source as unknown as EventSource;
    },
  };
}

export function memoryStore(
  initial: Record<string, string> = {},
): KeyValueStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, get: (key) => data.get(key) ?? null, set: (key, value) => void data.set(key, value) };
}

/** HealthService without polling: the status is whatever the test sets. */
export function healthStub(initial: ApiStatus = { state: 'checking' }) {
  const status = signal<ApiStatus>(initial);
  return { status, provider: { provide: HealthService, useValue: { status, refresh: () => undefined } } };
}

export interface DashboardTestOptions {
  readonly sources?: FakeEventSources;
  readonly store?: KeyValueStore;
  readonly locale?: string;
}

/** Http testing, a fixed locale, in-memory storage, a health stub and (optionally) fake event sources. */
export function provideDashboardTesting(
  options: DashboardTestOptions = {},
): (Provider | EnvironmentProviders)[] {
  return [
    provideHttpClient(withFetch()),
    provideHttpClientTesting(),
    provideApiBaseUrl(API),
    { provide: USER_LOCALE, useValue: options.locale ?? 'en-US' },
    { provide: KEY_VALUE_STORE, useValue: options.store ?? memoryStore() },
    { provide: LIVE_REFRESH_DEBOUNCE_MS, useValue: 0 },
    healthStub().provider,
    options.sources?.provider ?? { provide: EVENT_SOURCE_FACTORY, useValue: () => null },
  ];
}

let nextId = 1;

export function trade(overrides: Partial<Trade> = {}): Trade {
  const id = overrides.id ?? String(nextId++);
  return {
    id,
    account: 'default',
    symbol: 'AAPL',
    qty: '100',
    price: '150',
    executedAt: '2026-01-05T10:01:00.000Z',
    receivedAt: '2026-01-05T10:01:00.100Z',
    status: 'PENDING',
    ...overrides,
  };
}
