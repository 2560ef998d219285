import { KafkaTopic, TradeStatus, TradeSubmittedEvent } from '@lotwise/contracts';
import { TradeEntity } from '@lotwise/server-data';
import { LoggerService } from '@nestjs/common';
import { KafkaContext } from '@nestjs/microservices';
import type { Consumer, KafkaMessage, Producer } from '@nestjs/microservices/external/kafka.interface';
import { Test } from '@nestjs/testing';
import { MatchingController } from './matching.controller';
import { MatchingService, Settlement } from './matching.service';

// Graceful shutdown (SIGTERM): kafkajs drops commits once consumer.disconnect() has begun, so the controller
// finishes what is in flight before Nest disconnects, and starts nothing new.

const silentLogger: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

const event: TradeSubmittedEvent = {
  eventVersion: 1,
  tradeId: '7',
  account: 'default',
  symbol: 'AAPL',
  qty: '100',
  price: '150',
  executedAt: '2026-11-25T14:30:00.000Z',
  receivedAt: '2026-11-25T14:30:00.120Z',
};

function settlement(): Settlement {
  const trade = Object.assign(new TradeEntity(), {
    id: '7',
    account: 'default',
    symbol: 'AAPL',
    qty: '100',
    price: '150',
    status: TradeStatus.Applied,
    rejectReason: null,
    settledAt: new Date('2026-11-25T14:30:01.000Z'),
  });
  return { trade, changed: true };
}

function delivery(log: string[], offset = '41'): KafkaContext {
  const message = {
    key: Buffer.from('default|AAPL'),
    value: Buffer.from(JSON.stringify(event)),
    timestamp: '0',
    attributes: 0,
    offset,
    headers: {},
  } as KafkaMessage;
  const consumer = {
    commitOffsets: async (offsets: { offset: string }[]) => void log.push(`commit ${offsets[0]?.offset}`),
    seek: ({ offset: to }: { offset: string }) => void log.push(`seek ${to}`),
    pause: (topics: { topic: string }[]) => void log.push(`pause ${topics.map((t) => t.topic).join(',')}`),
  };
  const producer = { send: async () => void log.push('send') };
  return new KafkaContext([
    message,
    0,
    KafkaTopic.TradeSubmitted,
    consumer as unknown as Consumer,
    async () => undefined,
    producer as unknown as Producer,
  ]);
}

describe('MatchingController on shutdown', () => {
  let controller: MatchingController;
  let settle: jest.Mock<Promise<Settlement>, [string]>;

  beforeEach(async () => {
    settle = jest.fn<Promise<Settlement>, [string]>();
    const moduleRef = await Test.createTestingModule({
      controllers: [MatchingController],
      providers: [{ provide: MatchingService, useValue: { settle, rejectUnprocessable: jest.fn() } }],
    })
      .setLogger(silentLogger)
      .compile();
    controller = moduleRef.get(MatchingController);
  });

  it('pauses fetching, lets the trade in flight settle, announce and commit, and only then returns', async () => {
    const log: string[] = [];
    let release: (value: Settlement) => void = () => undefined;
    let settling: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (settling = resolve));
    settle.mockImplementation(
      () =>
        new Promise<Settlement>((resolve) => {
          log.push('settle');
          release = resolve;
          settling();
        }),
    );
    const handled = controller.onTradeSubmitted(event, delivery(log));
    await started;
    let shutdownDone = false;
    const shutdown = controller.beforeApplicationShutdown().then(() => (shutdownDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(shutdownDone).toBe(false);

    release(settlement());
    await Promise.all([handled, shutdown]);
    expect(log).toEqual(['settle', `pause ${KafkaTopic.TradeSubmitted}`, 'send', 'commit 42']);
  });

  it('does not start a message delivered after shutdown began: rewound for the next owner', async () => {
    const first: string[] = [];
    settle.mockResolvedValue(settlement());
    await controller.onTradeSubmitted(event, delivery(first, '40'));
    await controller.beforeApplicationShutdown();

    const late: string[] = [];
    await controller.onTradeSubmitted(event, delivery(late, '41'));
    expect(settle).toHaveBeenCalledTimes(1);
    expect(late).toEqual(['seek 41']);
  });
});
