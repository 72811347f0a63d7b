/**
 * The admin API as the dashboard calls it: same origin only, the token in the Authorization header of every
 * call (never in a URL), JSON answers with their ETag, and errors as the API words them.
 */

export interface EntryProblem {
  readonly entry: string;
  readonly code: string;
  readonly message: string;
  readonly suggestion?: string;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly errors?: readonly EntryProblem[];
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }

  get code(): string {
    return this.body.code;
  }
}

export interface Answer<T> {
  readonly data: T;
  readonly etag: string | null;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).code === 'string' && typeof (value as ErrorBody).message === 'string';
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly ifMatch?: string | null;
}

export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  private async fetch(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined && options.ifMatch !== null) headers['if-match'] = options.ifMatch;
    try {
      return await fetch(path, {
        method,
        headers,
        cache: 'no-store',
        credentials: 'omit',
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (error) {
      throw new ApiFailure(0, { code: 'ERR_NETWORK', message: `The admin API did not answer (${String(error)})` });
    }
  }

  private async fail(response: Response, text: string): Promise<never> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.status === 401) this.onUnauthorized();
    throw new ApiFailure(response.status, isErrorBody(body) ? body : { code: `HTTP_${response.status}`, message: text.trim() || response.statusText });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    if (!response.ok) return this.fail(response, text);
    return { data: JSON.parse(text) as T, etag: response.headers.get('etag') };
  }

  get<T>(path: string): Promise<Answer<T>> {
    return this.request<T>('GET', path);
  }

  /** A text answer (`/metrics`). */
  async text(path: string): Promise<string> {
    const response = await this.fetch('GET', path, {});
    const text = await response.text();
    if (!response.ok) return this.fail(response, text);
    return text;
  }
}

export function describe(error: unknown): string {
  if (error instanceof ApiFailure) return `${error.body.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
