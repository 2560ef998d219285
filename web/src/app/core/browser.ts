import { InjectionToken } from '@angular/core';

/**
 * The user's locale for numbers and dates: the browser's preferred language. Angular's LOCALE_ID stays
 * en-US (no locale data is bundled); formatting goes through `Intl`, which knows every locale.
 */
export const USER_LOCALE = new InjectionToken<string>('USER_LOCALE', {
  providedIn: 'root',
  factory: () => {
    const preferred =
      typeof navigator === 'undefined' ? undefined : (navigator.languages?.[0] ?? navigator.language);
    try {
      return preferred ? (Intl.getCanonicalLocales(preferred)[0] ?? 'en-US') : 'en-US';
    } catch {
      return 'en-US';
    }
  },
});

/** Small persistent key/value store (localStorage); tests provide an in-memory one. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

export const KEY_VALUE_STORE = new InjectionToken<KeyValueStore>('KEY_VALUE_STORE', {
  providedIn: 'root',
  factory: (): KeyValueStore => ({
    // Storage can be disabled or full (private windows): the dashboard then just forgets.
    get: (key) => {
      try {
        return globalThis.localStorage?.getItem(key) ?? null;
      } catch {
        return null;
      }
    },
    set: (key, value) => {
      try {
        globalThis.localStorage?.setItem(key, value);
      } catch {
        // ignored: persistence is a convenience
      }
    },
  }),
});

/** Creates the EventSource behind the live stream; null where the browser has none (tests, old browsers). */
export type EventSourceFactory = (url: string) => EventSource | null;

export const EVENT_SOURCE_FACTORY = new InjectionToken<EventSourceFactory>('EVENT_SOURCE_FACTORY', {
  providedIn: 'root',
  factory: () => (url) => (typeof EventSource === 'undefined' ? null : new EventSource(url)),
});
