import { LoggerService } from '@nestjs/common';
import { KafkaContext } from '@nestjs/microservices';
import type { Consumer, KafkaMessage, Producer } from '@nestjs/microservices/external/kafka.interface';
import { KafkaMessageLog } from './kafka-message-log';

function context(offset = '41'): KafkaContext {
  const message = {
    key: null,
    value: null,
    timestamp: '0',
    attributes: 0,
    offset,
    headers: {},
  } as KafkaMessage;
  return new KafkaContext([
    message,
    2,
    'trades.submitted.v1',
    {} as Consumer,
    async () => undefined,
    {} as Producer,
  ]);
}

describe('KafkaMessageLog', () => {
  const entries: { level: string; entry: unknown }[] = [];
  const logger: LoggerService = {
    log: (entry) => entries.push({ level: 'log', entry }),
    warn: (entry) => entries.push({ level: 'warn', entry }),
    error: (entry) => entries.push({ level: 'error', entry }),
  };

  beforeEach(() => (entries.length = 0));

  it('puts topic, partition, offset and trade id on every entry, next to the text', () => {
    const log = KafkaMessageLog.of(logger, context(), { tradeId: '7' });
    log.log(`${log.where} trade 7 APPLIED`);
    log.warn('slow');
    expect(entries).toEqual([
      {
        level: 'log',
        entry: {
          msg: 'trades.submitted.v1[2]@41 trade 7 APPLIED',
          topic: 'trades.submitted.v1',
          partition: 2,
          offset: '41',
          tradeId: '7',
        },
      },
      { level: 'warn', entry: expect.objectContaining({ msg: 'slow', tradeId: '7' }) },
    ]);
  });

  it("names the message it is given, not the context's, for one message of a batch", () => {
    const later = { ...context().getMessage(), offset: '44' };
    KafkaMessageLog.of(logger, context(), { tradeId: '9' }, later).log('settled');
    expect(entries[0]?.entry).toEqual(expect.objectContaining({ offset: '44', tradeId: '9' }));
  });

  it.each([null, 'not json', { tradeId: 7 }, { tradeId: '1; drop' }])(
    'leaves out a trade id it cannot trust: %p',
    (payload) => {
      KafkaMessageLog.of(logger, context(), payload).error('dead-lettered');
      expect(entries[0]?.entry).not.toHaveProperty('tradeId');
    },
  );
});
