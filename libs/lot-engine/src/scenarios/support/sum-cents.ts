/**
 * Sum of decimal strings with at most 4 fractional digits (prices in cents × whole quantities), in BigInt: the
 * scenario specs' check of the engine's totals, independent of its decimal library.
 */
export function sumCents(values: readonly string[]): string {
  const units = values.reduce((sum, value) => {
    const [int = '0', frac = ''] = value.replace('-', '').split('.');
    const magnitude = BigInt(int + frac.padEnd(4, '0'));
    return sum + (value.startsWith('-') ? -magnitude : magnitude);
  }, 0n);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(5, '0');
  const frac = digits.slice(-4).replace(/0+$/, '');
  const text = `${digits.slice(0, -4)}${frac ? `.${frac}` : ''}`;
  return negative && text !== '0' ? `-${text}` : text;
}
