import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { HEALTH_POLL_INTERVAL_MS, HealthService } from '../core/health.service';

/** Full-width notice under the toolbar while the api is unreachable or degraded; nothing otherwise. */
@Component({
  selector: 'lw-api-status-banner',
  imports: [MatButton],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let current = status();
    @if (current.state === 'unreachable' || current.state === 'degraded') {
      <div class="banner" role="alert" [attr.data-state]="current.state">
        <p class="banner__text">
          @if (current.state === 'unreachable') {
            <strong>API unreachable.</strong>
            The Lotwise API at <code>{{ healthUrl }}</code> did not answer ({{ current.reason }}). Data shown
            may be out of date; retrying every {{ pollSeconds }}&nbsp;s.
          } @else {
            <strong>API degraded.</strong>
            The API is up but reports {{ downList() }} down; trades may not be processed.
          }
        </p>
        <button matButton type="button" (click)="refresh()">Retry now</button>
      </div>
    }
  `,
  styles: `
    .banner {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 16px;
      padding: 8px 16px;
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
      font: var(--mat-sys-body-medium);
    }

    .banner[data-state='degraded'] {
      background: var(--mat-sys-tertiary-container);
      color: var(--mat-sys-on-tertiary-container);
    }

    .banner__text {
      margin: 0;
    }
  `,
})
export class ApiStatusBanner {
  private readonly health = inject(HealthService);

  protected readonly status = this.health.status;
  protected readonly healthUrl = this.health.healthUrl;
  protected readonly pollSeconds = Math.round(inject(HEALTH_POLL_INTERVAL_MS) / 1000);
  protected readonly downList = computed(() => {
    const current = this.status();
    return current.state === 'degraded' && current.down.length > 0 ? current.down.join(', ') : 'a dependency';
  });

  protected refresh(): void {
    this.health.refresh();
  }
}
