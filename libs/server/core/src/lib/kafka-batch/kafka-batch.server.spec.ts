import type {
  Consumer,
  ConsumerRunConfig,
  EachBatchPayload,
  KafkaMessage,
  Producer,
} from '@nestjs/microservices/external/kafka.interface';
import { KafkaBatchContext, KafkaBatchServer } from './kafka-batch.server';

/** The server with a recording consumer and producer in place of a broker connection. */
class TestServer extends KafkaBatchServer {
  runConfig: ConsumerRunConfig | null = null;
  subscribed: unknown = null;
  readonly fakeConsumer = {
    subscribe: async (options: unknown) => void (this.subscribed = options),
    run: async (config: ConsumerRunConfig) => void (this.runConfig = config),
  } as unknown as Consumer;

  constructor() {
    super({
      client: { brokers: ['unused:9092'] },
      subscribe: { fromBeginning: true },
      run: { autoCommit: false },
    });
    this.consumer = this.fakeConsumer;
    this.producer = {} as Producer;
  }
}

function message(offset: string, value: string): KafkaMessage {
  return {
    key: Buffer.from('k'),
    value: Buffer.from(value),
    timestamp: '0',
    attributes: 0,
    offset,
    headers: {},
  };
}

describe('KafkaBatchServer', () => {
  let server: TestServer;
  let received: { data: unknown; context: KafkaBatchContext }[];

  beforeEach(async () => {
    server = new TestServer();
    received = [];
    server.addHandler(
      'trades.submitted.v1',
      async (data: unknown, context: KafkaBatchContext) => void received.push({ data, context }),
      true,
    );
    await server.bindEvents(server.fakeConsumer);
  });

  it('subscribes to the event patterns and consumes whole batches, never resolving offsets by itself', () => {
    expect(server.subscribed).toEqual({ fromBeginning: true, topics: ['trades.submitted.v1'] });
    expect(server.runConfig).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false });
    expect(server.runConfig?.eachBatch).toEqual(expect.any(Function));
    expect(server.runConfig?.eachMessage).toBeUndefined();
  });

  it("hands the handler the batch's decoded payloads in offset order, with a context for the whole batch", async () => {
    const resolved: string[] = [];
    const payload = {
      batch: {
        topic: 'trades.submitted.v1',
        partition: 4,
        messages: [message('10', '{"tradeId":"1"}'), message('11', 'not json')],
      },
      resolveOffset: (offset: string) => void resolved.push(offset),
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload;
    await server.runConfig?.eachBatch?.(payload);

    expect(received).toHaveLength(1);
    const [{ data, context }] = received as [{ data: unknown; context: KafkaBatchContext }];
    expect(data).toEqual([{ tradeId: '1' }, 'not json']);
    expect(context).toBeInstanceOf(KafkaBatchContext);
    expect([context.getTopic(), context.getPartition(), context.getMessage().offset]).toEqual([
      'trades.submitted.v1',
      4,
      '10',
    ]);
    expect(context.getMessages().map((m) => m.offset)).toEqual(['10', '11']);
    expect(context.getConsumer()).toBe(server.fakeConsumer);
    expect(resolved).toEqual([]);
    context.resolveOffset('11');
    expect(resolved).toEqual(['11']);
  });

  it('does not call the handler for an empty batch', async () => {
    const payload = {
      batch: { topic: 'trades.submitted.v1', partition: 0, messages: [] },
    } as unknown as EachBatchPayload;
    await server.runConfig?.eachBatch?.(payload);
    expect(received).toEqual([]);
  });
});
