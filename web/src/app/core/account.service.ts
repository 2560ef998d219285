import { computed, inject, Injectable, signal } from '@angular/core';
import { DEFAULT_ACCOUNT, TRADE_FIELD_RULES } from '@lotwise/contracts';
import { catchError, EMPTY } from 'rxjs';
import { KEY_VALUE_STORE } from './browser';
import { TradesService } from './data/trades.service';

const CURRENT_KEY = 'lotwise.account';
const REMEMBERED_KEY = 'lotwise.accounts';
const MAX_REMEMBERED = 50;
/** How many recent trades are scanned for account names (the api has no account list). */
export const ACCOUNT_DISCOVERY_LIMIT = 200;

export function isValidAccount(account: string): boolean {
  return TRADE_FIELD_RULES.accountPattern.test(account);
}

/**
 * The account the dashboard shows (persisted in localStorage) and the accounts it knows of: `default`,
 * accounts the user has chosen before, and accounts seen in the latest trades (`GET /trades?limit=200`).
 */
@Injectable({ providedIn: 'root' })
export class AccountService {
  private readonly store = inject(KEY_VALUE_STORE);
  private readonly trades = inject(TradesService);

  private readonly remembered = signal<readonly string[]>(this.readRemembered());
  private readonly discovered = signal<readonly string[]>([]);
  private readonly selected = signal<string>(this.readCurrent());

  /** The account every page shows and the trade ticket defaults to. */
  readonly current = this.selected.asReadonly();

  /** Every account the dashboard knows of, sorted, the default first. */
  readonly known = computed(() => {
    const names = new Set([...this.remembered(), ...this.discovered(), this.selected()]);
    names.delete(DEFAULT_ACCOUNT);
    return [DEFAULT_ACCOUNT, ...[...names].sort((a, b) => a.localeCompare(b))];
  });

  /** Switches the dashboard to `account`; false (and no change) when the name is not a valid account. */
  select(account: string): boolean {
    const name = account.trim();
    if (!isValidAccount(name)) return false;
    this.remember(name);
    if (name !== this.selected()) {
      this.selected.set(name);
      this.store.set(CURRENT_KEY, name);
    }
    return true;
  }

  /** Adds an account to the known list without switching to it. */
  remember(account: string): void {
    if (!isValidAccount(account) || account === DEFAULT_ACCOUNT || this.remembered().includes(account))
      return;
    const next = [account, ...this.remembered()].slice(0, MAX_REMEMBERED);
    this.remembered.set(next);
    this.store.set(REMEMBERED_KEY, JSON.stringify(next));
  }

  /** Looks for more account names in the latest trades. Failures are ignored (the banner reports the api). */
  discover(): void {
    this.trades
      .list({ limit: ACCOUNT_DISCOVERY_LIMIT })
      .pipe(catchError(() => EMPTY))
      .subscribe((page) => this.discovered.set([...new Set(page.items.map((trade) => trade.account))]));
  }

  private readCurrent(): string {
    const stored = this.store.get(CURRENT_KEY);
    return stored !== null && isValidAccount(stored) ? stored : DEFAULT_ACCOUNT;
  }

  private readRemembered(): string[] {
    try {
      const parsed: unknown = JSON.parse(this.store.get(REMEMBERED_KEY) ?? '[]');
      return Array.isArray(parsed)
        ? parsed.filter((name): name is string => typeof name === 'string' && isValidAccount(name))
        : [];
    } catch {
      return [];
    }
  }
}
