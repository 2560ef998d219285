import {
  ChangeDetectionStrategy,
  Component,
  computed,
  ElementRef,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { HttpErrorResponse } from '@angular/common/http';
import { FormGroupDirective, NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButton } from '@angular/material/button';
import { MatButtonToggle, MatButtonToggleGroup } from '@angular/material/button-toggle';
import { MatError, MatFormField, MatHint, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { MatProgressSpinner } from '@angular/material/progress-spinner';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { SubmitTradeRequest, Trade } from '@lotwise/contracts';
import { finalize } from 'rxjs';
import { AccountService } from '../core/account.service';
import { apiMessages, describeHttpError, mapMessagesToFields } from '../core/api-errors';
import { USER_LOCALE } from '../core/browser';
import { TradeStatusTracker } from '../core/data/trade-status-tracker.service';
import { TradesService } from '../core/data/trades.service';
import {
  absDecimal,
  decimalSeparator,
  isNegativeDecimal,
  multiplyDecimal,
  negateDecimal,
  normalizeDecimalInput,
} from '../core/decimal';
import { DecimalTextPipe } from '../core/format.pipes';
import { TradeStatusBadge } from '../shared/trade-status';
import {
  accountValidator,
  executedAtValidator,
  firstErrorMessage,
  parseLocalDateTime,
  positiveDecimalValidator,
  symbolValidator,
} from './trade-validators';

export type Side = 'BUY' | 'SELL';
type TicketField = 'symbol' | 'quantity' | 'price' | 'executedAt' | 'account';

/** The api's property names → the ticket's fields ("qty must not be 0" belongs next to Quantity). */
const API_FIELDS: Readonly<Record<string, TicketField>> = {
  symbol: 'symbol',
  qty: 'quantity',
  price: 'price',
  executedAt: 'executedAt',
  account: 'account',
};

const MAX_RECENT = 8;

/** An idempotency key for `POST /trades` (crypto.randomUUID needs a secure context; this does not). */
export function newClientTradeId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `web-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The trade ticket: records a trade and then shows its status live (Pending → Applied / Rejected with the
 * reason) in the list below the form, fed by the event stream (or by polling when the stream is down).
 *
 * Quantity is entered positive and Side decides the sign. Decimals stay strings from the input to the
 * request body. Each submission carries a clientTradeId that is reused only when the very same trade is
 * sent again after a network failure, so "Add trade" can be pressed again safely.
 */
@Component({
  selector: 'lw-trade-ticket',
  imports: [
    ReactiveFormsModule,
    MatFormField,
    MatLabel,
    MatHint,
    MatError,
    MatInput,
    MatButton,
    MatButtonToggleGroup,
    MatButtonToggle,
    MatProgressSpinner,
    DecimalTextPipe,
    TradeStatusBadge,
  ],
  templateUrl: './trade-ticket.html',
  styleUrl: './trade-ticket.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TradeTicket {
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly tradesApi = inject(TradesService);
  private readonly tracker = inject(TradeStatusTracker);
  private readonly accounts = inject(AccountService);
  private readonly snackBar = inject(MatSnackBar);
  private readonly locale = inject(USER_LOCALE);
  private readonly formDirective = viewChild.required(FormGroupDirective);

  protected readonly form = inject(NonNullableFormBuilder).group({
    side: ['BUY' as Side],
    symbol: ['', symbolValidator],
    quantity: ['', positiveDecimalValidator('Quantity', this.locale)],
    price: ['', positiveDecimalValidator('Price', this.locale)],
    executedAt: ['', executedAtValidator(() => Date.now())],
    account: ['', accountValidator],
  });

  protected readonly currentAccount = this.accounts.current;
  protected readonly decimalHint =
    decimalSeparator(this.locale) === ',' ? 'Decimal comma or point' : 'Decimal point';
  protected readonly submitting = signal(false);
  private readonly submittedIds = signal<readonly string[]>([]);
  private lastAttempt: { readonly key: string; readonly clientTradeId: string } | null = null;

  private readonly value = toSignal(this.form.valueChanges, { initialValue: this.form.getRawValue() });

  /** "Buy 100 AAPL @ 150 · 15,000": what the button will record, once the numbers are valid. */
  protected readonly preview = computed(() => {
    this.value();
    const { symbol, quantity, price } = this.form.controls;
    if (symbol.invalid || quantity.invalid || price.invalid) return null;
    const qty = normalizeDecimalInput(quantity.value, this.locale);
    const unitPrice = normalizeDecimalInput(price.value, this.locale);
    if (qty === null || unitPrice === null) return null;
    return {
      side: this.form.controls.side.value,
      symbol: symbol.value.trim().toUpperCase(),
      qty,
      price: unitPrice,
      notional: multiplyDecimal(qty, unitPrice),
    };
  });

  /** Trades submitted from this ticket in this session, newest first, with their live status. */
  protected readonly recent = computed(() => {
    const known = this.tracker.trades();
    return this.submittedIds()
      .map((id) => known.get(id))
      .filter((trade): trade is Trade => trade !== undefined)
      .map((trade) => ({ trade, sell: isNegativeDecimal(trade.qty), qty: absDecimal(trade.qty) }));
  });

  protected errorOf(field: TicketField): string | null {
    return firstErrorMessage(this.form.controls[field]);
  }

  protected submit(): void {
    if (this.submitting()) return;
    this.form.markAllAsTouched();
    if (this.form.invalid) {
      this.focusFirstInvalid();
      return;
    }
    const request = this.buildRequest();
    const key = JSON.stringify(request);
    const clientTradeId = this.lastAttempt?.key === key ? this.lastAttempt.clientTradeId : newClientTradeId();
    this.lastAttempt = { key, clientTradeId };
    this.submitting.set(true);
    this.tradesApi
      .submit({ ...request, clientTradeId })
      .pipe(finalize(() => this.submitting.set(false)))
      .subscribe({
        next: (trade) => this.accepted(trade),
        error: (error: unknown) => this.failed(error),
      });
  }

  private buildRequest(): SubmitTradeRequest {
    const raw = this.form.getRawValue();
    // Validated above, so both parse; they stay strings all the way into the JSON body.
    const magnitude = normalizeDecimalInput(raw.quantity, this.locale) ?? raw.quantity;
    const price = normalizeDecimalInput(raw.price, this.locale) ?? raw.price;
    const executedAt = raw.executedAt.trim() === '' ? null : parseLocalDateTime(raw.executedAt.trim());
    return {
      symbol: raw.symbol.trim().toUpperCase(),
      qty: raw.side === 'SELL' ? negateDecimal(magnitude) : magnitude,
      price,
      account: raw.account.trim() || this.accounts.current(),
      ...(executedAt ? { executedAt: executedAt.toISOString() } : {}),
    };
  }

  private accepted(trade: Trade): void {
    this.lastAttempt = null;
    this.tracker.watch(trade);
    this.submittedIds.update((ids) =>
      [trade.id, ...ids.filter((id) => id !== trade.id)].slice(0, MAX_RECENT),
    );
    const raw = this.form.getRawValue();
    // Side and symbol stay for the next order; the numbers are cleared so nothing is sent twice by accident.
    this.formDirective().resetForm({ ...raw, quantity: '', price: '', executedAt: '', account: '' });
    if (trade.account !== this.accounts.current()) {
      this.accounts.select(trade.account);
      this.snackBar.open(`Trade recorded for account ${trade.account}; now showing that account.`, 'OK', {
        duration: 5000,
      });
    }
  }

  private failed(error: unknown): void {
    const status = error instanceof HttpErrorResponse ? error.status : -1;
    if (status === 400) {
      this.lastAttempt = null;
      const { fields, general } = mapMessagesToFields(apiMessages(error), API_FIELDS);
      for (const [field, messages] of Object.entries(fields) as [TicketField, string[]][]) {
        const control = this.form.controls[field];
        control.setErrors({ ...control.errors, api: { message: messages.join('; ') } });
        control.markAsTouched();
      }
      if (general.length > 0) this.notify(`The api rejected the trade: ${general.join('; ')}`);
      this.focusFirstInvalid();
    } else if (status === 409) {
      this.lastAttempt = null;
      this.notify(`Not recorded (conflict): ${apiMessages(error).join('; ')}`);
    } else if (status === 0 || status >= 500) {
      // The trade may or may not have been recorded: a retry of the same trade reuses its clientTradeId.
      this.notify(
        `Could not record the trade (${describeHttpError(error)}). Press "Add trade" again to retry; a retry is never recorded twice.`,
      );
    } else {
      this.lastAttempt = null;
      this.notify(`Could not record the trade: ${describeHttpError(error)}`);
    }
  }

  private notify(message: string): void {
    this.snackBar.open(message, 'Dismiss', { duration: 10_000 });
  }

  private focusFirstInvalid(): void {
    queueMicrotask(() =>
      this.host.nativeElement
        .querySelector<HTMLElement>('input.ng-invalid, mat-button-toggle-group.ng-invalid')
        ?.focus(),
    );
  }
}
