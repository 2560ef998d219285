import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { USER_LOCALE } from '../core/browser';
import { EventStreamService, StreamState } from '../core/data/event-stream.service';
import { formatDateTime } from '../core/format.pipes';

const LABELS: Record<StreamState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  unavailable: 'Polling',
};

const DETAILS: Record<StreamState, string> = {
  connecting: 'Opening the live event stream.',
  open: 'Trade outcomes arrive live; views refresh as they change.',
  reconnecting:
    'The live event stream dropped; reconnecting with backoff. Pending trades are polled meanwhile.',
  unavailable: 'This browser has no EventSource: pending trades are polled instead.',
};

/** Whether views update live: a compact badge next to the api status. */
@Component({
  selector: 'lw-stream-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="stream-status" role="status" [attr.data-state]="stream.state()" [attr.title]="detail()">
      <span class="stream-status__dot" aria-hidden="true"></span
      ><span class="phone-hidden">{{ label() }}</span>
    </span>
  `,
  styles: `
    .stream-status {
      display: inline-flex;
      align-items: center;
      gap: 8px;
      padding: 4px 12px;
      border-radius: var(--mat-sys-corner-full);
      background: var(--mat-sys-surface-container-highest);
      font: var(--mat-sys-label-large);
      white-space: nowrap;
    }
    .stream-status__dot {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      background: var(--mat-sys-outline);
    }
    [data-state='open'] .stream-status__dot {
      background: var(--lw-gain);
      box-shadow: 0 0 0 3px var(--lw-gain-container);
    }
    [data-state='reconnecting'] .stream-status__dot {
      background: var(--lw-warn);
    }
  `,
})
export class StreamStatus {
  protected readonly stream = inject(EventStreamService);
  private readonly locale = inject(USER_LOCALE);
  protected readonly label = computed(() => LABELS[this.stream.state()]);
  protected readonly detail = computed(() => {
    const last = this.stream.lastMessageAt();
    const suffix = last ? ` Last message ${formatDateTime(last.toISOString(), this.locale, 'time')}.` : '';
    return DETAILS[this.stream.state()] + suffix;
  });
}
