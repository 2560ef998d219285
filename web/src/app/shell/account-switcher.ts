import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';
import {
  MatAutocomplete,
  MatAutocompleteSelectedEvent,
  MatAutocompleteTrigger,
} from '@angular/material/autocomplete';
import { MatOption } from '@angular/material/core';
import { MatError, MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { TRADE_FIELD_RULES } from '@lotwise/contracts';
import { AccountService } from '../core/account.service';

/**
 * The toolbar's account switcher: pick a known account or type another one and press Enter.
 * The known accounts are `default`, earlier choices and the accounts of the latest trades.
 */
@Component({
  selector: 'lw-account-switcher',
  imports: [
    ReactiveFormsModule,
    MatFormField,
    MatLabel,
    MatError,
    MatInput,
    MatAutocomplete,
    MatAutocompleteTrigger,
    MatOption,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <mat-form-field class="account-field" appearance="outline" subscriptSizing="dynamic" hideRequiredMarker>
      <mat-label>Account</mat-label>
      <input
        matInput
        data-testid="account-switcher"
        autocomplete="off"
        spellcheck="false"
        [formControl]="control"
        [matAutocomplete]="accountList"
        (focus)="onFocus()"
        (keydown.enter)="commit()"
        (blur)="onBlur()"
      />
      <mat-autocomplete #accountList="matAutocomplete" (optionSelected)="onSelected($event)">
        @for (account of suggestions(); track account) {
          <mat-option [value]="account">{{ account }}</mat-option>
        }
      </mat-autocomplete>
      @if (control.hasError('pattern')) {
        <mat-error>1–64 of A–Z a–z 0–9 _ -</mat-error>
      }
    </mat-form-field>
  `,
  styles: `
    :host {
      display: block;
      width: 220px;
    }
    .account-field {
      width: 100%;
      --mat-form-field-container-height: 44px;
      --mat-form-field-container-vertical-padding: 10px;
    }
  `,
})
export class AccountSwitcher {
  private readonly accounts = inject(AccountService);
  private readonly trigger = viewChild.required(MatAutocompleteTrigger);
  private readonly typed = signal('');
  private focused = false;

  protected readonly control = new FormControl(this.accounts.current(), {
    nonNullable: true,
    validators: [Validators.pattern(TRADE_FIELD_RULES.accountPattern)],
  });

  /** Known accounts matching what is typed (all of them while the input still shows the current one). */
  protected readonly suggestions = computed(() => {
    const text = this.typed().trim().toLowerCase();
    const known = this.accounts.known();
    return text === '' || text === this.accounts.current().toLowerCase()
      ? known
      : known.filter((name) => name.toLowerCase().includes(text));
  });

  constructor() {
    this.control.valueChanges.subscribe((value) => this.typed.set(value));
    // Follows switches made elsewhere (e.g. a trade submitted for another account).
    effect(() => {
      const current = this.accounts.current();
      if (!this.focused) this.control.setValue(current, { emitEvent: false });
    });
  }

  protected onFocus(): void {
    this.focused = true;
    this.accounts.discover();
  }

  protected onSelected(event: MatAutocompleteSelectedEvent): void {
    this.select(String(event.option.value));
  }

  protected commit(): void {
    if (this.control.valid && this.control.value.trim() !== '') {
      this.select(this.control.value);
      this.trigger().closePanel();
    }
  }

  protected onBlur(): void {
    this.focused = false;
    // An unfinished or invalid entry is dropped: the field shows the account actually displayed.
    setTimeout(() => {
      if (!this.focused) this.control.setValue(this.accounts.current(), { emitEvent: false });
    }, 200);
  }

  private select(account: string): void {
    if (this.accounts.select(account)) {
      this.control.setValue(this.accounts.current(), { emitEvent: false });
      this.typed.set('');
    }
  }
}
