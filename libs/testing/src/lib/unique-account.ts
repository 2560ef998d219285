/** A fresh account per test, so runs and tests never see each other's books. */
export function uniqueAccount(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
