import { provideHttpClient, withFetch } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { EnvironmentProviders, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { HealthResponse } from '@lotwise/contracts';
import { provideApiBaseUrl } from './api-base-url';
import { HealthService } from './health.service';

const HEALTHY: HealthResponse = {
  status: 'ok',
  details: { database: { status: 'up' }, kafka: { status: 'up' } },
};

const KAFKA_DOWN: HealthResponse = {
  status: 'error',
  details: { database: { status: 'up' }, kafka: { status: 'down', message: 'timeout' } },
};

describe('HealthService', () => {
  let http: HttpTestingController;

  function setUp(...providers: (Provider | EnvironmentProviders)[]): HealthService {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withFetch()), provideHttpClientTesting(), ...providers],
    });
    http = TestBed.inject(HttpTestingController);
    return TestBed.inject(HealthService);
  }

  afterEach(() => {
    jest.useRealTimers();
    http.verify();
  });

  it('is "checking" until the first answer, then "online" when the api reports ok', () => {
    const health = setUp();
    expect(health.status()).toEqual({ state: 'checking' });

    const req = http.expectOne('/api/health');
    expect(req.request.method).toBe('GET');
    req.flush(HEALTHY);

    expect(health.status()).toMatchObject({ state: 'online' });
  });

  it('builds the health url from API_BASE_URL', () => {
    const health = setUp(provideApiBaseUrl('https://lotwise.example.com/api/'));

    expect(health.healthUrl).toBe('https://lotwise.example.com/api/health');
    http.expectOne('https://lotwise.example.com/api/health').flush(HEALTHY);
  });

  it('is "unreachable" when the request fails at the network level', () => {
    const health = setUp();

    http.expectOne('/api/health').error(new ProgressEvent('error'));

    expect(health.status()).toMatchObject({ state: 'unreachable', reason: 'network error' });
  });

  it('is "unreachable" when a proxy answers instead of the api', () => {
    const health = setUp();

    http.expectOne('/api/health').flush('Bad Gateway', { status: 502, statusText: 'Bad Gateway' });

    expect(health.status()).toMatchObject({ state: 'unreachable', reason: 'HTTP 502' });
  });

  it('is "unreachable" when the answer is not a health response', () => {
    const health = setUp();

    http.expectOne('/api/health').flush({ hello: 'world' });

    expect(health.status()).toMatchObject({ state: 'unreachable', reason: 'unexpected health response' });
  });

  it('is "degraded" when the api answers 503 and names the dependencies that are down', () => {
    const health = setUp();

    http.expectOne('/api/health').flush(KAFKA_DOWN, { status: 503, statusText: 'Service Unavailable' });

    expect(health.status()).toMatchObject({ state: 'degraded', down: ['kafka'] });
  });

  it('polls every 10 seconds and picks up recovery', () => {
    jest.useFakeTimers();
    const health = setUp();

    http.expectOne('/api/health').error(new ProgressEvent('error'));
    expect(health.status().state).toBe('unreachable');

    jest.advanceTimersByTime(9_999);
    http.expectNone('/api/health');

    jest.advanceTimersByTime(1);
    http.expectOne('/api/health').flush(HEALTHY);
    expect(health.status().state).toBe('online');

    jest.advanceTimersByTime(10_000);
    http.expectOne('/api/health').flush(HEALTHY);
  });

  it('counts a check that takes longer than 5 seconds as unreachable', () => {
    jest.useFakeTimers();
    const health = setUp();

    const req = http.expectOne('/api/health');
    jest.advanceTimersByTime(5_000);

    expect(req.cancelled).toBe(true);
    expect(health.status()).toMatchObject({ state: 'unreachable', reason: 'no answer in time' });
  });

  it('checks again at once on refresh()', () => {
    const health = setUp();
    http.expectOne('/api/health').error(new ProgressEvent('error'));

    health.refresh();

    http.expectOne('/api/health').flush(HEALTHY);
    expect(health.status().state).toBe('online');
  });
});
