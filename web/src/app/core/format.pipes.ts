import { inject, Pipe, PipeTransform } from '@angular/core';
import { USER_LOCALE } from './browser';
import { DecimalFormatOptions, formatDecimal } from './decimal';

/** `{{ position.quantity | lwDecimal }}`: a decimal string in the user's locale, every digit kept. */
@Pipe({ name: 'lwDecimal' })
export class DecimalTextPipe implements PipeTransform {
  private readonly locale = inject(USER_LOCALE);

  transform(value: string | null | undefined, options?: DecimalFormatOptions): string {
    return value === null || value === undefined ? '' : formatDecimal(value, this.locale, options);
  }
}

export type DateTimeStyle = 'medium' | 'compact' | 'short' | 'time';

const DATE_TIME_OPTIONS: Record<DateTimeStyle, Intl.DateTimeFormatOptions> = {
  medium: { dateStyle: 'medium', timeStyle: 'medium' },
  compact: { dateStyle: 'short', timeStyle: 'medium' },
  short: { dateStyle: 'short', timeStyle: 'short' },
  time: { timeStyle: 'medium' },
};

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** Formats an ISO timestamp in the user's locale and time zone. Unparseable input is shown as is. */
export function formatDateTime(iso: string, locale: string, style: DateTimeStyle = 'medium'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const key = `${locale}|${style}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, DATE_TIME_OPTIONS[style]);
    dateFormats.set(key, format);
  }
  return format.format(date);
}

/** `{{ lot.openedAt | lwDateTime }}` in the user's locale and time zone. */
@Pipe({ name: 'lwDateTime' })
export class DateTimePipe implements PipeTransform {
  private readonly locale = inject(USER_LOCALE);

  transform(value: string | null | undefined, style: DateTimeStyle = 'medium'): string {
    return value ? formatDateTime(value, this.locale, style) : '';
  }
}
