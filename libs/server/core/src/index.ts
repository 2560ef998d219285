export * from './lib/kafka-settings';
export * from './lib/topics-admin';
export * from './lib/health/health.module';
export * from './lib/health/kafka-health.indicator';
export * from './lib/validation/is-decimal.decorator';
