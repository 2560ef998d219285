import { ChangeDetectionStrategy, Component } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatToolbar } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { ApiStatusBanner } from './shell/api-status-banner';
import { ApiStatusIndicator } from './shell/api-status-indicator';

interface NavLink {
  readonly path: string;
  readonly label: string;
}

/** Application shell: toolbar with navigation and api status, then the routed page. */
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
}
