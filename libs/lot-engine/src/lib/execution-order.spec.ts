import { LotEngineInputError } from './errors';
import { compareExecutionOrder, type ExecutionOrderKey } from './execution-order';

const at = (executedAt: string, seq: string | number = '1'): ExecutionOrderKey => ({ executedAt, seq });

describe('compareExecutionOrder', () => {
  it.each<[string, ExecutionOrderKey, ExecutionOrderKey, number]>([
    [
      'earlier instant first, whatever the seq',
      at('2024-01-01T00:00:00Z', '9'),
      at('2024-01-01T00:00:01Z', '1'),
      -1,
    ],
    ['later instant last', at('2024-01-02T00:00:00Z'), at('2024-01-01T23:59:59.999Z'), 1],
    [
      'instants, not text: offsets',
      at('2024-01-01T10:00:00+02:00', '1'),
      at('2024-01-01T09:00:00Z', '2'),
      -1,
    ],
    [
      'equal instants in different zones fall back to seq',
      at('2024-01-01T10:00:00+02:00', '2'),
      at('2024-01-01T08:00:00Z', '1'),
      1,
    ],
    ['sub-millisecond digits count', at('2024-01-01T00:00:00.0001Z'), at('2024-01-01T00:00:00.00009Z'), 1],
    [
      'trailing fractional zeros do not',
      at('2024-01-01T00:00:00.100Z', '1'),
      at('2024-01-01T00:00:00.1Z', '1'),
      0,
    ],
    ['seq compares numerically', at('2024-01-01T00:00:00Z', '9'), at('2024-01-01T00:00:00Z', '10'), -1],
    [
      'seq beyond 2^53',
      at('2024-01-01T00:00:00Z', '9007199254740993'),
      at('2024-01-01T00:00:00Z', '9007199254740992'),
      1,
    ],
    ['number and string seq mix', at('2024-01-01T00:00:00Z', 5), at('2024-01-01T00:00:00Z', '5'), 0],
    ['lower-case z and space separator', at('2024-01-01 00:00:00z', 1), at('2024-01-01T00:00:00Z', 2), -1],
    ['offset without colon', at('2024-01-01T05:30:00+0530', 1), at('2024-01-01T00:00:00Z', 1), 0],
  ])('%s', (_name, a, b, expected) => {
    expect(compareExecutionOrder(a, b)).toBe(expected);
    expect(compareExecutionOrder(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it('sorts a batch into execution order', () => {
    const trades = [
      { id: 'c', executedAt: '2024-05-01T10:00:00Z', seq: '12' },
      { id: 'a', executedAt: '2024-05-01T09:59:59.5Z', seq: '30' },
      { id: 'd', executedAt: '2024-05-01T10:00:00Z', seq: '100' },
      { id: 'b', executedAt: '2024-05-01T11:00:00+01:00', seq: '2' },
    ];
    expect([...trades].sort(compareExecutionOrder).map((t) => t.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it.each<[string, ExecutionOrderKey]>([
    ['no zone', at('2024-01-01T00:00:00')],
    ['impossible date', at('2024-02-30T00:00:00Z')],
    ['impossible time', at('2024-01-01T24:00:00Z')],
    ['not a timestamp', at('yesterday')],
    ['fractional seq', at('2024-01-01T00:00:00Z', '1.5')],
    ['non-integer number seq', at('2024-01-01T00:00:00Z', 1.5)],
    ['text seq', at('2024-01-01T00:00:00Z', 'abc')],
  ])('throws LotEngineInputError for %s', (_name, bad) => {
    expect(() => compareExecutionOrder(bad, at('2024-01-01T00:00:00Z'))).toThrow(LotEngineInputError);
  });
});

describe('compareExecutionOrder validation', () => {
  it('rejects a malformed seq even when the timestamps already decide', () => {
    expect(() =>
      compareExecutionOrder(at('2024-01-01T00:00:00Z', 'x'), at('2024-01-02T00:00:00Z', '1')),
    ).toThrow('a.seq must be an integer (a safe integer number or a string of digits)');
  });
});
