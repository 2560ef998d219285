import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Test } from '@nestjs/testing';
import { OutboxHealthIndicator } from './outbox-health.indicator';
import { OutboxRelayService } from './outbox-relay.service';

describe('OutboxHealthIndicator', () => {
  let indicator: OutboxHealthIndicator;
  const query = jest.fn();
  const snapshot = jest.fn();

  beforeEach(async () => {
    query.mockReset();
    snapshot.mockReset().mockReturnValue({ lastError: null, lastErrorAt: null, publishedTotal: 12 });
    const moduleRef = await Test.createTestingModule({
      providers: [
        OutboxHealthIndicator,
        HealthIndicatorService,
        { provide: OutboxRelayService, useValue: { snapshot } },
        { provide: getDataSourceToken(), useValue: { query } },
        { provide: ConfigService, useValue: { get: () => 60 } },
      ],
    }).compile();
    indicator = moduleRef.get(OutboxHealthIndicator);
  });

  it('is up while the oldest unpublished row is younger than OUTBOX_MAX_AGE_SECONDS', async () => {
    query.mockResolvedValue([{ backlog: 3, oldest: 1.6 }]);
    expect(await indicator.readiness()).toEqual({
      outbox: {
        status: 'up',
        backlog: 3,
        oldestUnpublishedSeconds: 2,
        maxAgeSeconds: 60,
        publishedTotal: 12,
        lastError: null,
        lastErrorAt: null,
      },
    });
  });

  it("is down when it is older, with the backlog and the relay's last error", async () => {
    query.mockResolvedValue([{ backlog: 40, oldest: 75 }]);
    snapshot.mockReturnValue({
      lastError: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      lastErrorAt: '2026-11-25T14:00:00.000Z',
      publishedTotal: 12,
    });
    expect(await indicator.readiness()).toEqual({
      outbox: expect.objectContaining({
        status: 'down',
        message: 'the outbox relay is falling behind',
        backlog: 40,
        oldestUnpublishedSeconds: 75,
        lastError: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      }),
    });
  });

  it('is down when the backlog cannot be read', async () => {
    query.mockRejectedValue(new Error('Connection terminated'));
    expect(await indicator.readiness()).toEqual({
      outbox: { status: 'down', message: 'Connection terminated' },
    });
  });
});
