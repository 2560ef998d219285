/** Collects the values of a parameterised query and hands out their placeholders ($1, $2, …). */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A timestamptz as text in toISOString's form (UTC, milliseconds), the way every response carries time. */
export function isoMillis(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A timestamptz as text to the microsecond, PostgreSQL's own precision: exact enough for a keyset cursor. */
export function isoMicros(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
