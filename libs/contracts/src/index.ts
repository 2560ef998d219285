export * from './lib/decimal';
export * from './lib/trade';
export * from './lib/books';
export * from './lib/api';
export * from './lib/topics';
export * from './lib/events';
