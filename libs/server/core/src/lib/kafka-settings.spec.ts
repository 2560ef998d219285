import { kafkaSettingsFromEnv } from './kafka-settings';

describe('kafkaSettingsFromEnv', () => {
  it('defaults to the local broker', () => {
    expect(kafkaSettingsFromEnv({}).brokers).toEqual(['127.0.0.1:9092']);
  });

  it("accepts the seed's single KAFKA_BROKER", () => {
    expect(kafkaSettingsFromEnv({ KAFKA_BROKER: 'kafka:9092' }).brokers).toEqual(['kafka:9092']);
  });

  it('prefers the KAFKA_BROKERS comma list and trims it', () => {
    const env = { KAFKA_BROKER: 'ignored:1', KAFKA_BROKERS: ' a:9092, b.example:19092 ,' };
    expect(kafkaSettingsFromEnv(env).brokers).toEqual(['a:9092', 'b.example:19092']);
  });

  it.each(['localhost', 'http://a:9092', 'a:port'])('rejects %p, naming the variable', (value) => {
    expect(() => kafkaSettingsFromEnv({ KAFKA_BROKERS: value })).toThrow(/KAFKA_BROKERS/);
  });
});
