import { HttpParams } from '@angular/common/http';

/** Query parameters of a list request; absent, null and empty values are left out. */
export function queryParams(query: object): HttpParams {
  let params = new HttpParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params = params.set(key, String(value));
  }
  return params;
}
