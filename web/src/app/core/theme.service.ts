import { DOCUMENT } from '@angular/common';
import { effect, inject, Injectable, signal } from '@angular/core';
import { KEY_VALUE_STORE } from './browser';

export type ThemeMode = 'light' | 'dark';

const THEME_KEY = 'lotwise.theme';

/**
 * Light or dark. The Material 3 theme is emitted with `theme-type: color-scheme` (styles.scss), so the
 * whole palette follows the `color-scheme` set on <html>. The choice is persisted; without one the
 * operating system's preference decides. index.html applies the stored choice before Angular starts.
 */
@Injectable({ providedIn: 'root' })
export class ThemeService {
  private readonly document = inject(DOCUMENT);
  private readonly store = inject(KEY_VALUE_STORE);
  private readonly current = signal<ThemeMode>(this.initial());

  readonly mode = this.current.asReadonly();

  constructor() {
    effect(() => {
      const mode = this.current();
      const root = this.document.documentElement;
      root.dataset['theme'] = mode;
      root.style.colorScheme = mode;
    });
  }

  toggle(): void {
    this.set(this.current() === 'dark' ? 'light' : 'dark');
  }

  set(mode: ThemeMode): void {
    this.current.set(mode);
    this.store.set(THEME_KEY, mode);
  }

  private initial(): ThemeMode {
    const stored = this.store.get(THEME_KEY);
    if (stored === 'light' || stored === 'dark') return stored;
    const prefersDark = this.document.defaultView?.matchMedia?.('(prefers-color-scheme: dark)').matches;
    return prefersDark ? 'dark' : 'light';
  }
}
