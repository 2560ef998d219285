import { InjectionToken, Provider } from '@angular/core';

/**
 * Where the browser reaches the Lotwise REST api. Relative by default, so the app works behind any
 * reverse proxy that forwards `/api/*` to the api (the dev server does so via `web/proxy.conf.json`).
 */
export const DEFAULT_API_BASE_URL = '/api';

/**
 * Base URL of the Lotwise api, without a trailing slash. Services build their URLs as
 * `${inject(API_BASE_URL)}/health`, `${...}/positions`, ... Change it with `provideApiBaseUrl()`
 * in `app.config.ts` (or in a test's providers); see web/README.md.
 */
export const API_BASE_URL = new InjectionToken<string>('API_BASE_URL', {
  providedIn: 'root',
  factory: () => DEFAULT_API_BASE_URL,
});

/** Provides {@link API_BASE_URL}; trailing slashes are dropped so `${base}/path` never doubles them. */
export function provideApiBaseUrl(baseUrl: string): Provider {
  const normalized = baseUrl.replace(/\/+$/, '');
  return { provide: API_BASE_URL, useValue: normalized };
}
