export * from './lib/entities';
export * from './lib/postgres-config';
export * from './lib/mappers';
