import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { MatProgressSpinner } from '@angular/material/progress-spinner';
import { TradeStatus } from '@lotwise/contracts';
import { Icon } from './icon';

const LABELS: Record<TradeStatus, string> = {
  PENDING: 'Pending',
  APPLIED: 'Applied',
  REJECTED: 'Rejected',
};

/** A trade's status as a small badge ("Pending" with a spinner, "Applied", "Rejected") and the reason. */
@Component({
  selector: 'lw-trade-status',
  imports: [Icon, MatProgressSpinner],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="status-badge" [attr.data-status]="status()">
      @switch (status()) {
        @case ('PENDING') {
          <mat-progress-spinner mode="indeterminate" diameter="14" strokeWidth="2" aria-hidden="true" />
        }
        @case ('APPLIED') {
          <lw-icon name="check" />
        }
        @case ('REJECTED') {
          <lw-icon name="cancel" />
        }
      }
      <span class="status-badge__label">{{ label() }}</span>
    </span>
    @if (status() === 'REJECTED' && reason()) {
      <span class="status-reason">{{ reason() }}</span>
    }
  `,
  styles: `
    :host {
      display: inline-flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 4px 8px;
    }
  `,
})
export class TradeStatusBadge {
  readonly status = input.required<TradeStatus>();
  readonly reason = input<string | undefined>(undefined);
  protected readonly label = computed(() => LABELS[this.status()]);
}
