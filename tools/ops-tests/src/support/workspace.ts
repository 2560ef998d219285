import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (LOTWISE_ROOT when a harness sets it). */
export const root = process.env['LOTWISE_ROOT'] ?? join(__dirname, '../../../..');

export function read(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

export function exists(path: string): boolean {
  return existsSync(join(root, path));
}

/** KEY=value lines of a dotenv file (comments and blank lines skipped; a blank value is kept as ''). */
export function parseDotenv(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) entries.set(match[1] as string, (match[2] as string).trim());
  }
  return entries;
}
