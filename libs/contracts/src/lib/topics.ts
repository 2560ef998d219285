/** Every Kafka topic Lotwise uses, named `domain.event.vN`. A breaking payload change gets a new version. */
export enum KafkaTopic {
  TradeSubmitted = 'trades.submitted.v1',
  TradeSettled = 'trades.settled.v1',
  TradeDeadLetter = 'trades.dead-letter.v1',
}

export const KAFKA_TOPIC_PARTITIONS = 6;

/** Consumer group shared by every matcher instance, so partitions are split between them. */
export const MATCHER_CONSUMER_GROUP = 'lotwise-matcher';
