import { HttpErrorResponse } from '@angular/common/http';
import type { ApiErrorBody } from '@lotwise/contracts';

/** The api's messages for a failed request (Nest puts one or many in `message`), else a short description. */
export function apiMessages(error: unknown): string[] {
  if (!(error instanceof HttpErrorResponse)) return ['unexpected error'];
  const body = error.error as Partial<ApiErrorBody> | null;
  if (body && typeof body === 'object') {
    if (Array.isArray(body.message)) return body.message.filter((m): m is string => typeof m === 'string');
    if (typeof body.message === 'string') return [body.message];
  }
  return [describeHttpError(error)];
}

/** One line for an http failure: "the api did not answer" for network errors, else the status. */
export function describeHttpError(error: unknown): string {
  if (!(error instanceof HttpErrorResponse)) return 'unexpected error';
  if (error.status === 0) return 'the api did not answer';
  const body = error.error as Partial<ApiErrorBody> | null;
  const message =
    body && typeof body === 'object' && body.message !== undefined
      ? ([] as string[]).concat(body.message).join('; ')
      : error.statusText;
  return message ? `HTTP ${error.status}: ${message}` : `HTTP ${error.status}`;
}

export interface MappedMessages<F extends string> {
  /** Messages that name a field, keyed by the form's field name. */
  readonly fields: Partial<Record<F, string[]>>;
  /** Messages that name no known field. */
  readonly general: string[];
}

/**
 * Sorts the api's validation messages by the field they start with ("qty must not be 0" → the field the
 * form calls `quantity`). `fieldNames` maps the api's property names to the form's.
 */
export function mapMessagesToFields<F extends string>(
  messages: readonly string[],
  fieldNames: Readonly<Record<string, F>>,
): MappedMessages<F> {
  const fields: Partial<Record<F, string[]>> = {};
  const general: string[] = [];
  for (const message of messages) {
    const leading = /^\s*([A-Za-z_$][\w$]*)/.exec(message)?.[1];
    const field =
      leading !== undefined && Object.hasOwn(fieldNames, leading) ? fieldNames[leading] : undefined;
    if (field === undefined) general.push(message);
    else (fields[field] ??= []).push(message);
  }
  return { fields, general };
}
