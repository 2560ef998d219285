import { HttpClient, HttpParams } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { ListTradesQuery, SubmitTradeRequest, Trade, TradePage } from '@lotwise/contracts';
import { Observable } from 'rxjs';
import { API_BASE_URL } from '../api-base-url';

/** `POST /trades`, `GET /trades/:id`, `GET /trades` (newest first, cursor-paginated). */
@Injectable({ providedIn: 'root' })
export class TradesService {
  private readonly http = inject(HttpClient);
  private readonly url = `${inject(API_BASE_URL)}/trades`;

  /** Records a trade: 202 with the PENDING trade, or 200 with the existing one on an idempotent retry. */
  submit(request: SubmitTradeRequest): Observable<Trade> {
    return this.http.post<Trade>(this.url, request);
  }

  get(id: string): Observable<Trade> {
    return this.http.get<Trade>(`${this.url}/${encodeURIComponent(id)}`);
  }

  list(query: ListTradesQuery = {}): Observable<TradePage> {
    let params = new HttpParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params = params.set(key, String(value));
    }
    return this.http.get<TradePage>(this.url, { params });
  }
}
