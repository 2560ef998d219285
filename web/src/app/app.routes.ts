import { Routes } from '@angular/router';

export const appRoutes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'positions' },
  {
    path: 'positions',
    title: 'Positions · Lotwise',
    loadComponent: () => import('./pages/positions/positions-page').then((m) => m.PositionsPage),
  },
  {
    path: 'pnl',
    title: 'P&L · Lotwise',
    loadComponent: () => import('./pages/pnl/pnl-page').then((m) => m.PnlPage),
  },
  {
    path: 'trades',
    title: 'Trades · Lotwise',
    loadComponent: () => import('./pages/trades/trades-page').then((m) => m.TradesPage),
  },
  { path: '**', redirectTo: 'positions' },
];
