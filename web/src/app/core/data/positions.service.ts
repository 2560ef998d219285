import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { PositionsResponse } from '@lotwise/contracts';
import { Observable } from 'rxjs';
import { API_BASE_URL } from '../api-base-url';

/** `GET /positions?account=`: open positions with their open lots in FIFO order. */
@Injectable({ providedIn: 'root' })
export class PositionsService {
  private readonly http = inject(HttpClient);
  private readonly url = `${inject(API_BASE_URL)}/positions`;

  list(account: string): Observable<PositionsResponse> {
    return this.http.get<PositionsResponse>(this.url, { params: { account } });
  }
}
