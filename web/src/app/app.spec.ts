import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { provideHttpClient, withFetch } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { App } from './app';
import { appRoutes } from './app.routes';
import { KEY_VALUE_STORE } from './core/browser';
import { memoryStore } from '../testing/fakes';

describe('App shell', () => {
  let fixture: ComponentFixture<App>;
  let http: HttpTestingController;
  let store: ReturnType<typeof memoryStore>;

  const host = () => fixture.nativeElement as HTMLElement;
  const text = (selector: string) => host().querySelector(selector)?.textContent?.trim();

  beforeEach(async () => {
    store = memoryStore({ 'lotwise.theme': 'light' });
    TestBed.configureTestingModule({
      imports: [App],
      providers: [
        provideRouter(appRoutes),
        provideHttpClient(withFetch()),
        provideHttpClientTesting(),
        { provide: KEY_VALUE_STORE, useValue: store },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    http.expectOne('/api/health').flush({ status: 'ok', details: {} });
  });

  afterEach(() => {
    http.verify();
    delete document.documentElement.dataset['theme'];
  });

  async function navigate(url: string) {
    await TestBed.inject(Router).navigateByUrl(url);
    await fixture.whenStable();
  }

  it('shows the product name in the toolbar', () => {
    expect(text('mat-toolbar .shell-brand')).toBe('Lotwise');
  });

  it('renders the three nav links', () => {
    const links = Array.from(host().querySelectorAll<HTMLAnchorElement>('nav[aria-label="Main"] a'));

    expect(links.map((a) => a.textContent?.trim())).toEqual(['Positions', 'P&L', 'Trades']);
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/positions', '/pnl', '/trades']);
  });

  it('redirects to the positions page and marks its link active', async () => {
    await navigate('/');
    http.expectOne('/api/positions?account=default&limit=100').flush({ items: [], nextCursor: null });
    await fixture.whenStable();

    expect(TestBed.inject(Router).url).toBe('/positions');
    expect(text('main h1')).toBe('Positions');
    expect(text('main .page__empty')).toMatch(/^No open positions in account default/);
    expect(text('a[aria-current="page"]')).toBe('Positions');
  });

  it.each([
    [
      '/pnl',
      '/api/pnl?account=default&limit=100',
      { items: [], nextCursor: null, totals: [], total: '0' },
      'Realized P&L',
      'P&L',
    ],
    ['/trades', '/api/trades?account=default&limit=50', { items: [], nextCursor: null }, 'Trades', 'Trades'],
  ])('lazy-loads %s with its empty state', async (url, request, body, heading, activeLink) => {
    await navigate(url);
    http.expectOne(request).flush(body);
    await fixture.whenStable();

    expect(text('main h1')).toBe(heading);
    expect(text('main .page__empty')).toMatch(/^No /);
    expect(text('a[aria-current="page"]')).toBe(activeLink);
  });

  it('shows the api status in the toolbar', async () => {
    await fixture.whenStable();
    expect(text('lw-api-status-indicator [role="status"]')).toBe('API online');
  });

  it('says that it polls when the browser has no EventSource', () => {
    expect(text('lw-stream-status [role="status"]')).toBe('Polling');
  });

  it('toggles between light and dark and remembers the choice', async () => {
    const toggle = host().querySelector<HTMLButtonElement>('lw-theme-toggle button');
    expect(document.documentElement.dataset['theme']).toBe('light');
    expect(toggle?.getAttribute('aria-label')).toBe('Switch to dark theme');

    toggle?.click();
    await fixture.whenStable();

    expect(document.documentElement.dataset['theme']).toBe('dark');
    expect(store.data.get('lotwise.theme')).toBe('dark');
    expect(toggle?.getAttribute('aria-label')).toBe('Switch to light theme');
  });

  it('loads the trade ticket and the account switcher right after the first render', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fixture.whenStable();

    expect(host().querySelector('lw-trade-ticket button[type="submit"]')?.textContent?.trim()).toBe(
      'Add trade',
    );
    expect(host().querySelector<HTMLInputElement>('lw-account-switcher input')?.value).toBe('default');
  });
});
