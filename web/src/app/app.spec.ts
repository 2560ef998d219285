import { provideHttpClient, withFetch } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { App } from './app';
import { appRoutes } from './app.routes';

describe('App shell', () => {
  let fixture: ComponentFixture<App>;
  let http: HttpTestingController;

  const text = (selector: string) =>
    (fixture.nativeElement as HTMLElement).querySelector(selector)?.textContent?.trim();

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [App],
      providers: [provideRouter(appRoutes), provideHttpClient(withFetch()), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    http.expectOne('/api/health').flush({ status: 'ok', details: {} });
  });

  afterEach(() => http.verify());

  it('shows the product name in the toolbar', () => {
    expect(text('mat-toolbar .shell-brand')).toBe('Lotwise');
  });

  it('renders the three nav links', () => {
    const links = Array.from(
      (fixture.nativeElement as HTMLElement).querySelectorAll<HTMLAnchorElement>('nav[aria-label="Main"] a'),
    );

    expect(links.map((a) => a.textContent?.trim())).toEqual(['Positions', 'P&L', 'Trades']);
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/positions', '/pnl', '/trades']);
  });

  it('redirects to the positions page and marks its link active', async () => {
    await TestBed.inject(Router).navigateByUrl('/');
    await fixture.whenStable();

    expect(TestBed.inject(Router).url).toBe('/positions');
    expect(text('main h1')).toBe('Positions');
    expect(text('a[aria-current="page"]')).toBe('Positions');
  });

  it.each([
    ['/pnl', 'Realized P&L', 'P&L'],
    ['/trades', 'Trades', 'Trades'],
  ])('lazy-loads %s', async (url, heading, activeLink) => {
    await TestBed.inject(Router).navigateByUrl(url);
    await fixture.whenStable();

    expect(text('main h1')).toBe(heading);
    expect(text('main .page__empty')).toMatch(/^No /);
    expect(text('a[aria-current="page"]')).toBe(activeLink);
  });

  it('shows the api status in the toolbar', async () => {
    await fixture.whenStable();
    expect(text('mat-toolbar [role="status"]')).toBe('API online');
  });
});
