// The dashboard talks to the REST API only, on its own origin.
// The JSON shapes are the server's own declarations (type-only: nothing of the server is bundled).
import type { JobJSON } from '../http/job-json.js';
import type { RunJSON } from '../http/run-json.js';

export type { JobJSON, RunJSON };

/** `GET {prefix}`. */
export interface SchedulerInfo {
  readonly current_host: string;
  readonly running: boolean;
  readonly timezone?: string;
  readonly stores?: Readonly<Record<string, string>>;
}

/** An answer that is not 2xx: its status and the API's `error_message`. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class Api {
  constructor(readonly prefix: string) {}

  /** Any call; a body is sent as JSON, and every call says it is JSON (the API's CSRF rule). */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.prefix}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'same-origin',
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json: unknown = text === '' ? null : JSON.parse(text);
    if (!response.ok) {
      const message = typeof json === 'object' && json !== null && 'error_message' in json ? String(json.error_message) : `HTTP ${response.status}`;
      throw new ApiError(response.status, message);
    }
    return json as T;
  }

  info(): Promise<SchedulerInfo> {
    return this.call('GET', '');
  }

  /** Every job, a thousand a request (keyset pages by id). */
  async jobs(): Promise<JobJSON[]> {
    const all: JobJSON[] = [];
    for (let after: string | undefined; ;) {
      const page = await this.call<JobJSON[]>('GET', `/jobs?limit=1000${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`);
      all.push(...page);
      if (page.length < 1000) return all;
      after = page.at(-1)?.id;
    }
  }

  jobPath(id: string): string {
    return `/jobs/${encodeURIComponent(id)}`;
  }

  runs(id: string): Promise<RunJSON[]> {
    return this.call('GET', `${this.jobPath(id)}/runs?limit=20`);
  }

  async preview(id: string, count: number): Promise<string[]> {
    return (await this.call<{ fire_times: string[] }>('GET', `${this.jobPath(id)}/preview?count=${count}`)).fire_times;
  }

  async previewTrigger(trigger: Record<string, unknown>, count: number): Promise<string[]> {
    return (await this.call<{ fire_times: string[] }>('POST', `/preview?count=${count}`, trigger)).fire_times;
  }
}
