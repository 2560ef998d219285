import { provideHttpClient, withFetch } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { HealthResponse } from '@lotwise/contracts';
import { ApiStatusBanner } from './api-status-banner';
import { ApiStatusIndicator } from './api-status-indicator';

@Component({
  imports: [ApiStatusIndicator, ApiStatusBanner],
  template: `<lw-api-status-indicator /><lw-api-status-banner />`,
})
class Host {}

describe('api status indicator and banner', () => {
  let fixture: ComponentFixture<Host>;
  let http: HttpTestingController;

  const indicator = () => fixture.nativeElement.querySelector('[role="status"]') as HTMLElement;
  const banner = () => fixture.nativeElement.querySelector('[role="alert"]') as HTMLElement | null;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [Host],
      providers: [provideHttpClient(withFetch()), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(Host);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  it('shows that it is checking before the first answer', () => {
    expect(indicator().textContent?.trim()).toBe('Checking API…');
    expect(banner()).toBeNull();
    http.expectOne('/api/health');
  });

  it('shows "API online" and no banner when the health check succeeds', async () => {
    const ok: HealthResponse = {
      status: 'ok',
      details: { database: { status: 'up' }, kafka: { status: 'up' } },
    };
    http.expectOne('/api/health').flush(ok);
    await fixture.whenStable();

    expect(indicator().textContent?.trim()).toBe('API online');
    expect(indicator().dataset['state']).toBe('online');
    expect(banner()).toBeNull();
  });

  it('shows "API unreachable" and a banner when the health check fails', async () => {
    http.expectOne('/api/health').error(new ProgressEvent('error'));
    await fixture.whenStable();

    expect(indicator().textContent?.trim()).toBe('API unreachable');
    expect(indicator().dataset['state']).toBe('unreachable');
    expect(banner()?.textContent).toContain('API unreachable.');
    expect(banner()?.textContent).toContain('/api/health');
  });

  it('retries from the banner and clears it once the api answers', async () => {
    http.expectOne('/api/health').flush('Bad Gateway', { status: 502, statusText: 'Bad Gateway' });
    await fixture.whenStable();

    const retry = banner()?.querySelector('button') as HTMLButtonElement;
    expect(retry.textContent?.trim()).toBe('Retry now');
    retry.click();
    http.expectOne('/api/health').flush({ status: 'ok', details: {} } satisfies HealthResponse);
    await fixture.whenStable();

    expect(indicator().textContent?.trim()).toBe('API online');
    expect(banner()).toBeNull();
  });

  it('shows "API degraded" with the dependencies that are down', async () => {
    const body: HealthResponse = {
      status: 'error',
      details: { database: { status: 'down' }, kafka: { status: 'up' } },
    };
    http.expectOne('/api/health').flush(body, { status: 503, statusText: 'Service Unavailable' });
    await fixture.whenStable();

    expect(indicator().textContent?.trim()).toBe('API degraded');
    expect(banner()?.textContent).toContain('reports database down');
  });
});
