import { setupZonelessTestEnv } from 'jest-preset-angular/setup-env/zoneless';

setupZonelessTestEnv({
  errorOnUnknownElements: true,
  errorOnUnknownProperties: true,
});

// jsdom has no canvas: report "no 2D context" quietly instead of logging "Not implemented" (the P&L chart
// then skips drawing; its data is unit-tested separately).
Object.defineProperty(HTMLCanvasElement.prototype, 'getContext', { value: () => null });
