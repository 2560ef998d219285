import { HealthIndicatorService } from '@nestjs/terminus';
import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { ConsumerHealthIndicator } from './consumer-health.indicator';

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  CRASH: 'consumer.crash',
  STOP: 'consumer.stop',
};

function fakeConsumer(): { consumer: Consumer; emit: (event: string, payload: unknown) => void } {
  const emitter = new EventEmitter();
  const consumer = {
    events: EVENTS,
    on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
  } as unknown as Consumer;
  return { consumer, emit: (event, payload) => emitter.emit(event, { payload }) };
}

describe('ConsumerHealthIndicator', () => {
  let indicator: ConsumerHealthIndicator;

  beforeEach(() => {
    indicator = new ConsumerHealthIndicator(new HealthIndicatorService());
  });

  it('is not ready before the consumer runs', async () => {
    expect(await indicator.readiness()).toEqual({ consumer: { status: 'down', state: 'starting' } });
    expect((await indicator.liveness()).consumer.status).toBe('up');
  });

  it('is ready as a group member, with its partitions, and stays ready through a rebalance', async () => {
    const { consumer, emit } = fakeConsumer();
    indicator.watch(consumer);
    emit(EVENTS.GROUP_JOIN, { memberId: 'm-1', memberAssignment: { 'trades.submitted.v1': [0, 1, 2] } });
    expect(await indicator.readiness()).toEqual({
      consumer: { status: 'up', state: 'member', memberId: 'm-1', partitions: 3 },
    });
    emit(EVENTS.REBALANCING, {});
    expect((await indicator.readiness()).consumer.status).toBe('up');
  });

  it('is not ready while kafkajs restarts it after a crash, and ready again once it rejoins', async () => {
    const { consumer, emit } = fakeConsumer();
    indicator.watch(consumer);
    emit(EVENTS.CRASH, { error: new Error('broker gone'), restart: true });
    expect(await indicator.readiness()).toMatchObject({ consumer: { status: 'down', state: 'restarting' } });
    expect((await indicator.liveness()).consumer.status).toBe('up');
    emit(EVENTS.GROUP_JOIN, { memberId: 'm-2', memberAssignment: {} });
    expect((await indicator.readiness()).consumer.status).toBe('up');
  });

  it('fails liveness once kafkajs gives up on it: only a new process helps', async () => {
    const { consumer, emit } = fakeConsumer();
    indicator.watch(consumer);
    emit(EVENTS.CRASH, { error: new Error('not retriable'), restart: false });
    emit(EVENTS.STOP, {});
    expect(await indicator.liveness()).toEqual({
      consumer: { status: 'down', state: 'failed', error: 'not retriable' },
    });
  });
});
