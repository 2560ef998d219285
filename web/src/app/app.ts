import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButton } from '@angular/material/button';
import { MatToolbar } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { map } from 'rxjs';
import { AccountService } from './core/account.service';
import { TradeStatusTracker } from './core/data/trade-status-tracker.service';
import { Icon } from './shared/icon';
import { AccountSwitcher } from './shell/account-switcher';
import { ApiStatusBanner } from './shell/api-status-banner';
import { ApiStatusIndicator } from './shell/api-status-indicator';
import { StreamStatus } from './shell/stream-status';
import { ThemeToggle } from './shell/theme-toggle';
import { TradeTicket } from './trade-ticket/trade-ticket';

interface NavLink {
  readonly path: string;
  readonly label: string;
}

/** From this width the trade ticket sits beside the page; below, it folds away behind a button. */
export const WIDE_LAYOUT_QUERY = '(min-width: 1100px)';

/**
 * Application shell: toolbar (navigation, account, live and api status, theme), the api banner, the trade
 * ticket and the routed page.
 */
@Component({
  selector: 'lw-root',
  imports: [
    RouterOutlet,
    RouterLink,
    RouterLinkActive,
    MatToolbar,
    MatButton,
    ApiStatusIndicator,
    ApiStatusBanner,
    AccountSwitcher,
    StreamStatus,
    ThemeToggle,
    TradeTicket,
    Icon,
  ],
  templateUrl: './app.html',
  styleUrl: './app.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {
  protected readonly navLinks: readonly NavLink[] = [
    { path: '/positions', label: 'Positions' },
    { path: '/pnl', label: 'P&L' },
    { path: '/trades', label: 'Trades' },
  ];

  protected readonly wide = toSignal(
    inject(BreakpointObserver)
      .observe(WIDE_LAYOUT_QUERY)
      .pipe(map((state) => state.matches)),
    { initialValue: true },
  );
  protected readonly account = inject(AccountService).current;
  private readonly ticketOpened = signal(false);
  protected readonly ticketVisible = computed(() => this.wide() || this.ticketOpened());

  constructor() {
    // Follows trades from the start (stream + polling fallback), whichever page is open.
    inject(TradeStatusTracker);
  }

  protected toggleTicket(): void {
    this.ticketOpened.update((open) => !open);
  }
}
