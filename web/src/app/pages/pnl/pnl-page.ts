import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Realized P&L per matched lot portion (placeholder until the dashboard issue lands). */
@Component({
  selector: 'lw-pnl-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page" aria-labelledby="pnl-heading">
      <h1 id="pnl-heading" class="page__title">Realized P&amp;L</h1>
      <p class="page__empty">
        No realized P&amp;L yet. Entries appear here when a sell is matched against open lots.
      </p>
    </section>
  `,
})
export class PnlPage {}
