import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { PnlResponse } from '@lotwise/contracts';
import { Observable } from 'rxjs';
import { API_BASE_URL } from '../api-base-url';

/** `GET /pnl?account=`: realized P&L entries (one per consumed lot), totals per symbol and overall. */
@Injectable({ providedIn: 'root' })
export class PnlService {
  private readonly http = inject(HttpClient);
  private readonly url = `${inject(API_BASE_URL)}/pnl`;

  get(account: string): Observable<PnlResponse> {
    return this.http.get<PnlResponse>(this.url, { params: { account } });
  }
}
