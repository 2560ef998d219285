import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { ApiState, HealthService } from '../core/health.service';

const LABELS: Record<ApiState, string> = {
  checking: 'Checking API…',
  online: 'API online',
  degraded: 'API degraded',
  unreachable: 'API unreachable',
};

/** Compact api status for the toolbar; the details live in the banner below it. */
@Component({
  selector: 'lw-api-status-indicator',
  imports: [DatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let current = status();
    <span
      class="api-status"
      role="status"
      [attr.data-state]="current.state"
      [attr.title]="
        current.state === 'checking' ? null : 'Last checked ' + (current.checkedAt | date: 'mediumTime')
      "
    >
      <span class="api-status__dot" aria-hidden="true"></span>
      <span class="api-status__label phone-hidden">{{ label() }}</span>
    </span>
  `,
  styles: `
    .api-status {
      display: inline-flex;
      align-items: center;
      gap: 8px;
      padding: 4px 12px;
      border-radius: var(--mat-sys-corner-full);
      font: var(--mat-sys-label-large);
      background: var(--mat-sys-surface-container-highest);
      color: var(--mat-sys-on-surface);
      white-space: nowrap;
    }

    .api-status__dot {
      width: 10px;
      height: 10px;
      border-radius: 50%;
      background: var(--mat-sys-outline);
    }

    [data-state='online'] .api-status__dot {
      background: #1e8e3e;
    }

    [data-state='degraded'] .api-status__dot {
      background: #f29900;
    }

    [data-state='unreachable'] {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);

      .api-status__dot {
        background: var(--mat-sys-error);
      }
    }
  `,
})
export class ApiStatusIndicator {
  protected readonly status = inject(HealthService).status;
  protected readonly label = computed(() => LABELS[this.status().state]);
}
