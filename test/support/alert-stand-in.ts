/**
 * A local stand-in for the GitHub REST API (the issue calls alerts make) and a Slack-compatible
 * incoming webhook, on 127.0.0.1, that records every call and can fail on purpose: answer a call with
 * a 5xx, or do its work and answer only after the client has given up (a timeout).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StandInIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
}

interface StandInCall {
  method: string;
  path: string;
  status: number;
}

/** What to do with the nth call of a kind (1-based): fail with a status, or work and answer late. */
type Fault = { status: number } | { delayMs: number };

export interface StandIn {
  url: string;
  issues: StandInIssue[];
  /** Messages the webhook accepted. */
  messages: string[];
  calls: StandInCall[];
  /** Faults by call kind ('GET issues', 'POST issues', 'PATCH issue', 'POST hook') and the call's number of that kind. */
  faults: Map<string, Map<number, Fault>>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startStandIn(repo: string): Promise<StandIn> {
  const issues: StandInIssue[] = [];
  const messages: string[] = [];
  const calls: StandInCall[] = [];
  const faults = new Map<string, Map<number, Fault>>();
  const seen = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const text = await body(req);
    const path = url.pathname;
    const kind =
      req.method === 'POST' && path === '/hook'
        ? 'POST hook'
        : req.method === 'GET' && path === `/repos/${repo}/issues`
          ? 'GET issues'
          : req.method === 'POST' && path === `/repos/${repo}/issues`
            ? 'POST issues'
            : req.method === 'PATCH' && path.startsWith(`/repos/${repo}/issues/`)
              ? 'PATCH issue'
              : 'other';
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    const fault = faults.get(kind)?.get(n);
    const answer = (status: number, json: unknown) => {
      calls.push({ method: req.method ?? '', path, status });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (fault && 'delayMs' in fault) setTimeout(send, fault.delayMs);
      else send();
    };
    if (fault && 'status' in fault) return answer(fault.status, { message: 'injected failure' });
    if (kind !== 'POST hook' && req.headers.authorization !== 'Bearer test-token') return answer(401, { message: 'Bad credentials' });
    switch (kind) {
      case 'POST hook':
        messages.push((JSON.parse(text) as { text: string }).text);
        return answer(200, 'ok');
      case 'GET issues': {
        const label = url.searchParams.get('labels') ?? '';
        const page = Number(url.searchParams.get('page') ?? 1);
        const per = Number(url.searchParams.get('per_page') ?? 30);
        const list = issues.filter((i) => i.labels.includes(label)).slice((page - 1) * per, page * per);
        return answer(200, list);
      }
      case 'POST issues': {
        const made = JSON.parse(text) as { title: string; body: string; labels: string[] };
        const issue: StandInIssue = { number: issues.length + 1, title: made.title, body: made.body, labels: made.labels, state: 'open' };
        issues.push(issue);
        return answer(201, issue);
      }
      case 'PATCH issue': {
        const issue = issues.find((i) => i.number === Number(path.split('/').pop()));
        if (!issue) return answer(404, { message: 'Not Found' });
        Object.assign(issue, JSON.parse(text) as Partial<StandInIssue>);
        return answer(200, issue);
      }
      default:
        return answer(404, { message: 'Not Found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    issues,
    messages,
    calls,
    faults,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
