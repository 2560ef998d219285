import { QueryFailedError } from 'typeorm';
import { isTransient, PermanentMatchingError } from './matching.errors';

function pgError(code: string, message = `pg error ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('isTransient', () => {
  it.each([
    ['08006 connection failure', pgError('08006')],
    ['57P01 admin shutdown', pgError('57P01')],
    ['40001 serialization failure', pgError('40001')],
    ['40P01 deadlock detected', pgError('40P01')],
    ['53300 too many connections', pgError('53300')],
    ['ECONNREFUSED from the socket', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['ECONNRESET from the socket', pgError('ECONNRESET', 'read ECONNRESET')],
  ])('retries %s', (_label, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['23514 check violation', pgError('23514')],
    ['23505 unique violation', pgError('23505')],
    ['22003 numeric value out of range', pgError('22003')],
    ['a plain programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('does not retry %s', (_label, error) => {
    expect(isTransient(error)).toBe(false);
  });

  it('never retries a PermanentMatchingError, whatever its message or code says', () => {
    const error = Object.assign(new PermanentMatchingError('Connection terminated'), { code: '08006' });
    expect(isTransient(error)).toBe(false);
  });

  it("reads the pg code from a TypeORM QueryFailedError's driverError", () => {
    const error = new QueryFailedError('SELECT 1', [], pgError('08006'));
    expect(isTransient(error)).toBe(true);
  });

  it('reads the pg code from any QueryFailedError-like object', () => {
    expect(isTransient({ driverError: { code: '08006' } })).toBe(true);
    expect(isTransient({ driverError: { code: '23514' } })).toBe(false);
  });

  it('retries errors KafkaJS marks as retriable', () => {
    expect(isTransient(Object.assign(new Error('leader not available'), { retriable: true }))).toBe(true);
    expect(isTransient(Object.assign(new Error('topic authorization failed'), { retriable: false }))).toBe(
      false,
    );
  });

  it.each([
    'Connection terminated unexpectedly',
    'connect ECONNREFUSED 10.0.0.5:9092',
    'timeout exceeded when trying to connect',
    'KafkaJSNumberOfRetriesExceeded',
    'KafkaJSConnectionError: Connection error',
  ])('recognises a code-less driver message: %s', (message) => {
    expect(isTransient(new Error(message))).toBe(true);
  });

  it.each([null, undefined, 42])('does not retry the non-error value %p', (value) => {
    expect(isTransient(value)).toBe(false);
  });
});
