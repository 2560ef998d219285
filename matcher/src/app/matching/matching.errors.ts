/** An event that can never be applied, however often it is retried: it goes to the dead-letter topic. */
export class PermanentMatchingError extends Error {
  override readonly name = 'PermanentMatchingError';
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '40001',
  '40P01',
  '53300',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
]);

/** Database or broker unavailable, serialisation conflicts: worth retrying for as long as it takes. */
export function isTransient(error: unknown): boolean {
  if (error instanceof PermanentMatchingError) return false;
  const candidate = error as {
    code?: unknown;
    driverError?: { code?: unknown };
    retriable?: unknown;
    message?: unknown;
  };
  const code = candidate?.driverError?.code ?? candidate?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  if (candidate?.retriable === true) return true;
  const message = typeof candidate?.message === 'string' ? candidate.message : '';
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Connection lost|not connected|KafkaJSNumberOfRetriesExceeded|KafkaJSConnectionError/i.test(
    message,
  );
}
