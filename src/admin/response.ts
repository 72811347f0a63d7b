/** How the admin API words its answers: JSON bodies, never cached, and errors as `{"code","message","errors"?}`. */
import { ApiError } from './api-error.js';

export interface AdminResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

export function json(status: number, value: unknown, headers: Record<string, string> = {}): AdminResponse {
  return { status, headers: { ...JSON_TYPE, 'cache-control': 'no-store', ...headers }, body: `${JSON.stringify(value)}\n` };
}

/** An ApiError as an answer (a 401 also names the auth scheme). */
export function errorResponse(error: ApiError): AdminResponse {
  return json(error.status, error, error.status === 401 ? { 'www-authenticate': 'Bearer realm="ipgate"' } : {});
}
