/**
 * The few GitHub REST calls alerts need: list the issues Ratchet opened (by its label), open one,
 * change one. Each issue's body ends with a marker naming its regression id, which is how an issue
 * opened by a request that timed out (GitHub made it, the answer never came) is found again instead
 * of being opened twice.
 */
import { request } from './http.ts';

export interface IssueRef {
  number: number;
  state: 'open' | 'closed';
}

export const issueMarker = (regressionId: string): string => `<!-- ratchet-regression: ${regressionId} -->`;
const MARKER = /<!-- ratchet-regression: ([A-Za-z0-9_-]+) -->/;

export class GitHubIssues {
  readonly #api: string;
  readonly #repo: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  calls = 0;

  constructor(options: { api: string; repo: string; token: string; timeoutMs: number }) {
    this.#api = options.api.replace(/\/+$/, '');
    this.#repo = options.repo;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs;
  }

  #call(method: string, path: string, body?: unknown): Promise<unknown> {
    this.calls++;
    return request(`${this.#api}/repos/${this.#repo}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.#token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'ratchet',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      timeoutMs: this.#timeoutMs,
      what: `GitHub ${method} /repos/${this.#repo}${path.split('?')[0]}`,
    });
  }

  /** Issues with `label`, open and closed, by the regression id in their marker. */
  async byRegression(label: string): Promise<Map<string, IssueRef>> {
    const out = new Map<string, IssueRef>();
    for (let page = 1; page <= 50; page++) {
      const list = (await this.#call('GET', `/issues?labels=${encodeURIComponent(label)}&state=all&per_page=100&page=${page}`)) as Array<{
        number: number;
        state: string;
        body?: string | null;
        pull_request?: unknown;
      }>;
      if (!Array.isArray(list)) break;
      for (const issue of list) {
        const id = issue.pull_request ? undefined : MARKER.exec(issue.body ?? '')?.[1];
        if (id && !out.has(id)) out.set(id, { number: issue.number, state: issue.state === 'closed' ? 'closed' : 'open' });
      }
      if (list.length < 100) break;
    }
    return out;
  }

  async open(title: string, body: string, labels: readonly string[]): Promise<number> {
    const made = (await this.#call('POST', '/issues', { title, body, labels })) as { number?: number } | null;
    if (typeof made?.number !== 'number') throw new Error('GitHub POST /issues: the answer named no issue number');
    return made.number;
  }

  async update(number: number, change: { body?: string; state?: 'open' | 'closed'; title?: string }): Promise<void> {
    await this.#call('PATCH', `/issues/${number}`, { ...change, ...(change.state === 'closed' ? { state_reason: 'completed' } : {}) });
  }
}
