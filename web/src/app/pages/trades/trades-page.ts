import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Submitted trades and their matching status (placeholder until the dashboard issue lands). */
@Component({
  selector: 'lw-trades-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page" aria-labelledby="trades-heading">
      <h1 id="trades-heading" class="page__title">Trades</h1>
      <p class="page__empty">No trades yet. Submitted trades and their status appear here.</p>
    </section>
  `,
})
export class TradesPage {}
