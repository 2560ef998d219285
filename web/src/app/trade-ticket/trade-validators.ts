import { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';
import { TRADE_FIELD_RULES } from '@lotwise/contracts';
import { checkPositiveDecimal, normalizeDecimalInput } from '../core/decimal';

/**
 * The api's rules for `POST /trades`, checked before sending. Each error carries the message the form shows:
 * `{ rule: { message } }`. The api checks again; its 400 messages are mapped back onto the fields.
 */

/** How far in the future the api accepts an executedAt (its clock-skew allowance). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

export function messageError(rule: string, message: string): ValidationErrors {
  return { [rule]: { message } };
}

/** Symbol: required, 1–16 of A–Z 0–9 . - after upper-casing (the api upper-cases too). */
export function symbolValidator(control: AbstractControl<string>): ValidationErrors | null {
  const value = (control.value ?? '').trim().toUpperCase();
  if (value === '') return messageError('required', 'Symbol is required');
  return TRADE_FIELD_RULES.symbolPattern.test(value)
    ? null
    : messageError('pattern', "Symbol must be 1–16 characters of A–Z, 0–9, '.' or '-'");
}

/** Quantity or price: required, a plain decimal > 0 with at most 18 fractional and 20 integer digits. */
export function positiveDecimalValidator(label: string, locale: string): ValidatorFn {
  return (control: AbstractControl<string>) => {
    const text = (control.value ?? '').trim();
    if (text === '') return messageError('required', `${label} is required`);
    const normalized = normalizeDecimalInput(text, locale);
    if (normalized === null) {
      return messageError(
        'decimal',
        `${label} must be a number such as 12.5 (no grouping separators or sign)`,
      );
    }
    const problem = checkPositiveDecimal(normalized);
    switch (problem?.kind) {
      case undefined:
        return null;
      case 'notPositive':
        return messageError('positive', `${label} must be greater than 0`);
      case 'fractionDigits':
        return messageError('fractionDigits', `${label} may have at most ${problem.max} decimal places`);
      case 'integerDigits':
        return messageError(
          'integerDigits',
          `${label} may have at most ${problem.max} digits before the decimal point`,
        );
      default:
        return messageError('decimal', `${label} is not a valid number`);
    }
  };
}

/** Parses the value of an `<input type="datetime-local">` (local wall time) into a Date, or null. */
export function parseLocalDateTime(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const date = new Date(value); // a date-time without offset is local time (ECMAScript)
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Executed at: optional; a valid local date and time not more than 5 minutes ahead of this clock. */
export function executedAtValidator(now: () => number): ValidatorFn {
  return (control: AbstractControl<string>) => {
    const value = (control.value ?? '').trim();
    if (value === '') return null;
    const date = parseLocalDateTime(value);
    if (!date) return messageError('dateTime', 'Executed at must be a date and time');
    return date.getTime() > now() + MAX_FUTURE_SKEW_MS
      ? messageError('future', 'Executed at must not be in the future')
      : null;
  };
}

/** Account: optional (empty means the account selected in the toolbar); 1–64 of A–Z a–z 0–9 _ -. */
export function accountValidator(control: AbstractControl<string>): ValidationErrors | null {
  const value = (control.value ?? '').trim();
  return value === '' || TRADE_FIELD_RULES.accountPattern.test(value)
    ? null
    : messageError('pattern', "Account must be 1–64 characters of A–Z, a–z, 0–9, '_' or '-'");
}

/** The message of a control's first error, for `<mat-error>`. */
export function firstErrorMessage(control: AbstractControl): string | null {
  const errors = control.errors;
  if (!errors) return null;
  for (const value of Object.values(errors)) {
    if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
      return (value as { message: string }).message;
    }
  }
  return 'Invalid value';
}
