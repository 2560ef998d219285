import { provideHttpClient, withFetch } from '@angular/common/http';
import {
  ApplicationConfig,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
} from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { appRoutes } from './app.routes';
import { DEFAULT_API_BASE_URL, provideApiBaseUrl } from './core/api-base-url';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    // Zoneless is Angular's default since v21 (no zone.js is loaded); stated here so it stays that way.
    provideZonelessChangeDetection(),
    provideHttpClient(withFetch()),
    provideRouter(appRoutes, withComponentInputBinding()),
    // Where the api lives, e.g. provideApiBaseUrl('https://lotwise.example.com/api'). See web/README.md.
    provideApiBaseUrl(DEFAULT_API_BASE_URL),
  ],
};
