import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Open positions and their FIFO lots (placeholder until the dashboard issue lands). */
@Component({
  selector: 'lw-positions-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page" aria-labelledby="positions-heading">
      <h1 id="positions-heading" class="page__title">Positions</h1>
      <p class="page__empty">
        No open positions yet. Positions and their open lots appear here once trades are applied.
      </p>
    </section>
  `,
})
export class PositionsPage {}
