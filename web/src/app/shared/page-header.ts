import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatIconButton } from '@angular/material/button';
import { MatTooltip } from '@angular/material/tooltip';
import { Icon } from './icon';

/**
 * A page's title row: the `<h1>` (its id is what the page's `aria-labelledby` points at), the subtitle from
 * the projected content, and on the right the refresh button (when `refreshLabel` is set) and any projected
 * elements marked `lwPageAction`.
 *
 * `<lw-page-header headingId="trades-heading" heading="Trades" refreshLabel="Refresh trades" (refresh)="reload()">`
 */
@Component({
  selector: 'lw-page-header',
  imports: [Icon, MatIconButton, MatTooltip],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="page__header">
      <div>
        <h1 class="page__title" [id]="headingId()">{{ heading() }}</h1>
        <span class="page__subtitle"><ng-content /></span>
      </div>
      <div class="page__actions">
        @if (refreshLabel(); as label) {
          <button
            matIconButton
            type="button"
            [attr.aria-label]="label"
            matTooltip="Refresh"
            (click)="refresh.emit()"
          >
            <lw-icon name="refresh" />
          </button>
        }
        <ng-content select="[lwPageAction]" />
      </div>
    </header>
  `,
  styles: `
    :host {
      display: block;
    }
  `,
})
export class PageHeader {
  readonly heading = input.required<string>();
  readonly headingId = input.required<string>();
  /** The refresh button's accessible name, e.g. "Refresh trades"; without it there is no refresh button. */
  readonly refreshLabel = input<string>();
  readonly refresh = output<void>();
}
