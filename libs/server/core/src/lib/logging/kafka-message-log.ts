import { LoggerService } from '@nestjs/common';
import { KafkaContext } from '@nestjs/microservices';
import type { KafkaMessage } from '@nestjs/microservices/external/kafka.interface';

/**
 * Where a Kafka message came from, and the trade it names when its payload has a valid tradeId. `message` is
 * the context's own unless given (one message of a batch context).
 */
export function kafkaLogFields(
  kafka: KafkaContext,
  payload: unknown,
  message: KafkaMessage = kafka.getMessage(),
): Record<string, unknown> {
  const tradeId = (payload as { tradeId?: unknown } | null)?.tradeId;
  return {
    topic: kafka.getTopic(),
    partition: kafka.getPartition(),
    offset: message.offset,
    ...(typeof tradeId === 'string' && /^\d{1,18}$/.test(tradeId) ? { tradeId } : {}),
  };
}

/**
 * A logger for one Kafka message: every entry carries the message's fields (topic, partition, offset, tradeId)
 * as structured fields next to the text. Through nestjs-pino they are JSON properties; through Nest's console
 * logger (unit tests) the entry prints as an object.
 *
 * Deliberately not an interceptor: with any interceptor on it, Nest 11 no longer awaits a Kafka event handler
 * (it subscribes to the handler's Observable and returns), so kafkajs would hand over the next message of the
 * partition before this one is committed, and a stopping consumer would not wait for it.
 */
export class KafkaMessageLog {
  constructor(
    private readonly logger: LoggerService,
    readonly fields: Record<string, unknown>,
  ) {}

  static of(
    logger: LoggerService,
    kafka: KafkaContext,
    payload: unknown,
    message: KafkaMessage = kafka.getMessage(),
  ): KafkaMessageLog {
    return new KafkaMessageLog(logger, kafkaLogFields(kafka, payload, message));
  }

  /** `topic[partition]@offset`, for the text of an entry. */
  get where(): string {
    return `${String(this.fields['topic'])}[${String(this.fields['partition'])}]@${String(this.fields['offset'])}`;
  }

  debug(msg: string): void {
    this.logger.debug?.({ msg, ...this.fields });
  }

  log(msg: string): void {
    this.logger.log({ msg, ...this.fields });
  }

  warn(msg: string): void {
    this.logger.warn({ msg, ...this.fields });
  }

  error(msg: string): void {
    this.logger.error({ msg, ...this.fields });
  }
}
