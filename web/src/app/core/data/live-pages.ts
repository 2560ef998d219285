import { computed, DestroyRef, inject, Signal, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { BOOKS_PAGE_LIMIT } from '@lotwise/contracts';
import {
  catchError,
  concatMap,
  EMPTY,
  finalize,
  map,
  merge,
  Observable,
  of,
  Subject,
  switchMap,
  tap,
} from 'rxjs';
import { AccountService } from '../account.service';
import { describeHttpError } from '../api-errors';

/** A page of a keyset-paged list as the api answers it. */
export interface Paged<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface LivePages<T, P extends Paged<T>> {
  /** The pages loaded so far, joined; undefined until the first answer (or after an account switch). */
  readonly items: Signal<readonly T[] | undefined>;
  /** The page answered last, for what it carries besides items (e.g. totals). */
  readonly latest: Signal<P | undefined>;
  readonly hasMore: Signal<boolean>;
  /** The account `items` belong to. */
  readonly account: Signal<string | null>;
  /** Reading the first pages (initially or on a refresh). */
  readonly loading: Signal<boolean>;
  readonly loadingMore: Signal<boolean>;
  /** Why the last fetch failed (what was shown stays), or null. */
  readonly error: Signal<string | null>;
  reload(): void;
  loadMore(): void;
}

export interface LivePagesOptions<T> {
  readonly pageSize: number;
  /** Identity of an item, so a page that overlaps what is shown adds nothing twice. */
  readonly key: (item: T) => string;
}

interface Listing<T, P> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
  readonly latest: P;
}

type Operation = 'reset' | 'refresh' | 'more';

/**
 * A keyset-paged list of the selected account: the first page on start, the next one on `loadMore()`, and on
 * `changes(account)` (or `reload()`) the head re-read as far as it was shown (up to the api's largest page),
 * so what was loaded with "Load more" is refreshed too. Call in an injection context.
 */
export function livePages<T, P extends Paged<T>>(
  load: (account: string, limit: number, cursor?: string) => Observable<P>,
  changes: (account: string) => Observable<unknown>,
  options: LivePagesOptions<T>,
): LivePages<T, P> {
  const accounts = inject(AccountService);
  const listing = signal<Listing<T, P> | undefined>(undefined);
  const listingAccount = signal<string | null>(null);
  const loading = signal(false);
  const loadingMore = signal(false);
  const error = signal<string | null>(null);
  const operations = new Subject<Operation>();

  const fetch = (request: Observable<P>): Observable<P> =>
    request.pipe(
      tap(() => error.set(null)),
      catchError((failure: unknown) => {
        error.set(describeHttpError(failure));
        return EMPTY;
      }),
    );

  const run = (account: string, operation: Operation): Observable<unknown> => {
    const previous = listing();
    if (operation === 'more') {
      const cursor = previous?.nextCursor;
      if (!previous || !cursor) return EMPTY;
      loadingMore.set(true);
      return fetch(load(account, options.pageSize, cursor)).pipe(
        tap((page) => {
          const seen = new Set(previous.items.map(options.key));
          listing.set({
            items: [...previous.items, ...page.items.filter((item) => !seen.has(options.key(item)))],
            nextCursor: page.nextCursor,
            latest: page,
          });
        }),
        finalize(() => loadingMore.set(false)),
      );
    }
    const limit =
      operation === 'refresh' && previous
        ? Math.min(BOOKS_PAGE_LIMIT.max, Math.max(options.pageSize, previous.items.length))
        : options.pageSize;
    loading.set(true);
    return fetch(load(account, limit)).pipe(
      tap((page) => listing.set({ items: page.items, nextCursor: page.nextCursor, latest: page })),
      finalize(() => loading.set(false)),
    );
  };

  toObservable(accounts.current)
    .pipe(
      switchMap((account) => {
        if (listingAccount() !== account) {
          listing.set(undefined);
          listingAccount.set(account);
          error.set(null);
        }
        return merge(
          of<Operation>('reset'),
          operations,
          changes(account).pipe(map((): Operation => 'refresh')),
        ).pipe(concatMap((operation) => run(account, operation)));
      }),
      takeUntilDestroyed(inject(DestroyRef)),
    )
    .subscribe();

  return {
    items: computed(() => listing()?.items),
    latest: computed(() => listing()?.latest),
    hasMore: computed(() => (listing()?.nextCursor ?? null) !== null),
    account: listingAccount.asReadonly(),
    loading: loading.asReadonly(),
    loadingMore: loadingMore.asReadonly(),
    error: error.asReadonly(),
    reload: () => operations.next('refresh'),
    loadMore: () => {
      if (!loadingMore()) operations.next('more');
    },
  };
}
