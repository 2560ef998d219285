import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { ListLotsQuery, ListPositionsQuery, LotPage, PositionPage } from '@lotwise/contracts';
import { Observable } from 'rxjs';
import { API_BASE_URL } from '../api-base-url';
import { queryParams } from './query-params';

/** `GET /positions` (a page of open positions) and `GET /positions/:account/:symbol/lots` (FIFO order). */
@Injectable({ providedIn: 'root' })
export class PositionsService {
  private readonly http = inject(HttpClient);
  private readonly url = `${inject(API_BASE_URL)}/positions`;

  list(query: ListPositionsQuery = {}): Observable<PositionPage> {
    return this.http.get<PositionPage>(this.url, { params: queryParams(query) });
  }

  lots(account: string, symbol: string, query: ListLotsQuery = {}): Observable<LotPage> {
    const path = `${this.url}/${encodeURIComponent(account)}/${encodeURIComponent(symbol)}/lots`;
    return this.http.get<LotPage>(path, { params: queryParams(query) });
  }
}
