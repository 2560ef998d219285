import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { ListPnlQuery, PnlPage } from '@lotwise/contracts';
import { Observable } from 'rxjs';
import { API_BASE_URL } from '../api-base-url';
import { queryParams } from './query-params';

/** `GET /pnl`: a page of realized P&L entries (newest first) with the totals per symbol and overall. */
@Injectable({ providedIn: 'root' })
export class PnlService {
  private readonly http = inject(HttpClient);
  private readonly url = `${inject(API_BASE_URL)}/pnl`;

  list(query: ListPnlQuery = {}): Observable<PnlPage> {
    return this.http.get<PnlPage>(this.url, { params: queryParams(query) });
  }
}
