/**
 * The alert stage: after a snapshot is published, tell the owners. Per component (components.info
 * alerts switches, carried in the snapshot's components list), for the test regressions of the
 * report's default mode:
 *
 *   GitHub  one issue per regression id: opened when the regression is new and no known issue tracks
 *           it (a bug already exists then), its body updated while
 *           it stays open (only when the body changed), closed when it resolves or leaves the report,
 *           reopened if the same id regresses again. Labels: the config's, then the component's.
 *   Slack   one message when a regression is new and one when it resolves, through an outbox kept in
 *           the state, so a message that failed is sent next run and a sent one never again.
 *
 * Delivery is idempotent across reruns: the state (alert-state.ts) says what was done, and an issue
 * whose creation timed out is found again by its marker before another is opened. A failed request
 * never fails the run: it is reported, kept, and retried next time.
 */
import { createHash } from 'node:crypto';
import type { AlertsPlan } from '../config/run-plan.ts';
import type { Snapshot, TestRegression } from '../snapshot/schema.ts';
import { type AlertState, readAlertState, writeAlertState } from './alert-state.ts';
import { GitHubIssues, issueMarker } from './github-issues.ts';
import { DeliveryError, request } from './http.ts';

export interface AlertReport {
  opened: number;
  updated: number;
  closed: number;
  messages: number;
  /** Alerts that could not be delivered this run and wait for the next one. */
  pending: number;
  problems: string[];
  /** Requests made (GitHub and the webhook). */
  calls: number;
}

export interface AlertContext {
  plan: AlertsPlan;
  stateFile: string;
  /** The site's address and base path, for links in issues and messages. */
  site: { url: string; base: string };
  warn?: (line: string) => void;
}

type Component = NonNullable<Snapshot['components']>['list'][number];

/** The regressions alerts are about, with their component. */
function alerted(snapshot: Snapshot): Array<{ r: TestRegression; component: Component }> {
  const components = snapshot.components;
  const mode = snapshot.regressions?.settings.defaultMode;
  if (!components || !mode) return [];
  const byName = new Map(components.list.map((c) => [c.name, c]));
  const componentOfTest = new Map(snapshot.tests.map((t) => [t.id, t.component]));
  const out: Array<{ r: TestRegression; component: Component }> = [];
  for (const r of snapshot.regressions?.tests ?? []) {
    if (r.mode !== mode) continue;
    const name = componentOfTest.get(r.testId);
    const component = name === undefined ? undefined : byName.get(name);
    if (component && (component.alerts.github || component.alerts.slack)) out.push({ r, component });
  }
  return out;
}

function regressionLink(snapshot: Snapshot, site: AlertContext['site'], regressionId: string): string {
  const base = site.base.endsWith('/') ? site.base : `${site.base}/`;
  return new URL(`${base}snapshots/${encodeURIComponent(snapshot.id)}/regressions/#r-${encodeURIComponent(regressionId)}`, site.url).href;
}

function issueTitle(r: TestRegression): string {
  const name = r.name.length > 180 ? `${r.name.slice(0, 177)}…` : r.name;
  return `Regression: ${name} (${r.group})`;
}

function issueBody(snapshot: Snapshot, context: AlertContext, r: TestRegression, component: Component): string {
  const tracked = snapshot.knownIssues?.find((k) => k.regressionId === r.id);
  const lines = [
    `**${r.status === 'resolved' ? 'Resolved' : 'Test regression'}** in \`${r.group}\`, found by Ratchet (${r.mode} mode, ${r.severity}).`,
    '',
    `- Test: \`${r.name.replace(/`/g, "'")}\``,
    `- Component: ${component.name}${component.owner ? ` (owner: ${component.owner})` : ''}${component.team ? `, team ${component.team}` : ''}`,
    `- Jobs: ${r.jobs.join(', ') || '—'}`,
    `- First seen: ${r.firstSeen}${r.resolvedAt ? `; resolved: ${r.resolvedAt}` : ''}`,
    `- Why: ${r.reason}`,
    ...(tracked ? [`- Tracked by: ${tracked.bug}${tracked.note ? ` (${tracked.note})` : ''}`] : []),
    `- Evidence: ${regressionLink(snapshot, context.site, r.id)} (snapshot ${snapshot.id})`,
    '',
    issueMarker(r.id),
  ];
  return `${lines.join('\n')}\n`;
}

function slackText(snapshot: Snapshot, context: AlertContext, r: TestRegression, component: Component, change: 'new' | 'resolved'): string {
  const who = component.owner ?? component.team;
  const tracked = snapshot.knownIssues?.find((k) => k.regressionId === r.id);
  return [
    `${change === 'new' ? ':red_circle: New regression' : ':large_green_circle: Resolved'} in ${component.name}${who ? ` (${who})` : ''}: ${r.name} in ${r.group}`,
    r.reason,
    ...(tracked ? [`Tracked by ${tracked.bug}`] : []),
    regressionLink(snapshot, context.site, r.id),
  ].join('\n');
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * Whether owners are yet to hear of `r`: new in this snapshot, or first seen after the last snapshot alerts went
 * out for (a run that saw it first wrote its snapshot, then failed to build: the next one calls it open).
 */
function newToOwners(r: TestRegression, state: AlertState): boolean {
  if (r.status === 'new') return true;
  return r.status === 'open' && state.lastAsOf != null && r.firstSeen > state.lastAsOf;
}

/** Deliver the snapshot's alerts; never throws for a destination that fails (see AlertReport.problems). */
export async function deliverAlerts(snapshot: Snapshot, context: AlertContext): Promise<AlertReport> {
  const report: AlertReport = { opened: 0, updated: 0, closed: 0, messages: 0, pending: 0, problems: [], calls: 0 };
  const items = alerted(snapshot);
  const { plan } = context;
  const wantsGithub = plan.github !== null && items.some((x) => x.component.alerts.github);
  const wantsSlack = plan.slack !== null && items.some((x) => x.component.alerts.slack);
  const state = await readAlertState(context.stateFile, context.warn ?? (() => {}));
  if (!wantsGithub && !wantsSlack && Object.keys(state.github).length === 0 && state.slack.outbox.length === 0) return report;
  try {
    if (plan.github) await github(snapshot, context, items, state, report);
    if (plan.slack) await slack(snapshot, context, items, state, report);
  } finally {
    // What was done is kept even when a destination failed half-way. A regression first seen up to this snapshot
    // has had its alert (or waits in the outbox, or as an entry without an issue).
    if (state.lastAsOf == null || snapshot.asOf > state.lastAsOf) state.lastAsOf = snapshot.asOf;
    await writeAlertState(context.stateFile, state);
  }
  return report;
}

async function github(
  snapshot: Snapshot,
  context: AlertContext,
  items: Array<{ r: TestRegression; component: Component }>,
  state: AlertState,
  report: AlertReport,
): Promise<void> {
  const settings = context.plan.github!;
  const active = new Map(items.filter((x) => x.component.alerts.github).map((x) => [x.r.id, x]));
  // New regressions no bug tracks yet get an entry (to be opened); an entry waits until its issue exists.
  const tracked = new Set((snapshot.knownIssues ?? []).map((k) => k.regressionId));
  for (const { r } of active.values()) {
    if (newToOwners(r, state) && !tracked.has(r.id) && !state.github[r.id])
      state.github[r.id] = { issue: null, state: 'open', bodyHash: null, title: issueTitle(r) };
  }
  const work = Object.entries(state.github).filter(([id, entry]) => {
    const x = active.get(id);
    const live = x !== undefined && x.r.status !== 'resolved';
    return entry.issue === null
      ? live
      : live !== (entry.state === 'open') || (live && entry.bodyHash !== hash(issueBody(snapshot, context, x!.r, x!.component)));
  });
  if (work.length === 0) return;
  if (settings.token === null) {
    report.pending += work.length;
    report.problems.push(`GitHub: ${settings.tokenEnv} is not set; ${work.length} issue change(s) wait for a run that has it`);
    return;
  }
  const client = new GitHubIssues({ api: settings.api, repo: settings.repo, token: settings.token, timeoutMs: context.plan.timeoutMs });
  try {
    let found: Map<string, { number: number; state: 'open' | 'closed' }> | undefined;
    for (const [done, [id, entry]] of work.entries()) {
      const x = active.get(id);
      const live = x !== undefined && x.r.status !== 'resolved';
      try {
        if (entry.issue === null) {
          // An earlier attempt may have opened it without hearing back: look before opening.
          found ??= await client.byRegression(settings.labels[0] ?? 'ratchet');
          const existing = found.get(id);
          const body = issueBody(snapshot, context, x!.r, x!.component);
          if (existing) {
            entry.issue = existing.number;
            entry.state = existing.state;
            if (existing.state === 'closed') {
              await client.update(existing.number, { state: 'open', body });
              report.updated++;
            } else if (entry.bodyHash !== hash(body)) {
              await client.update(existing.number, { body });
              report.updated++;
            }
          } else {
            entry.issue = await client.open(entry.title, body, [...new Set([...settings.labels, ...x!.component.labels])]);
            report.opened++;
          }
          entry.state = 'open';
          entry.bodyHash = hash(body);
        } else if (live) {
          const body = issueBody(snapshot, context, x!.r, x!.component);
          await client.update(entry.issue, { body, ...(entry.state === 'closed' ? { state: 'open' as const } : {}) });
          entry.state = 'open';
          entry.bodyHash = hash(body);
          report.updated++;
        } else {
          const body = x ? issueBody(snapshot, context, x.r, x.component) : undefined;
          await client.update(entry.issue, { state: 'closed', ...(body ? { body } : {}) });
          entry.state = 'closed';
          if (body) entry.bodyHash = hash(body);
          report.closed++;
        }
      } catch (error) {
        if (!(error instanceof DeliveryError) && !(error instanceof Error)) throw error;
        report.pending++;
        report.problems.push(`${(error as Error).message} (regression ${id}; retried next run)`);
        // A failed listing would fail every open the same way: stop asking this run (the rest wait too).
        if (found === undefined && entry.issue === null) {
          report.pending += work.length - done - 1;
          break;
        }
      }
    }
  } finally {
    report.calls += client.calls;
  }
}

async function slack(
  snapshot: Snapshot,
  context: AlertContext,
  items: Array<{ r: TestRegression; component: Component }>,
  state: AlertState,
  report: AlertReport,
): Promise<void> {
  const settings = context.plan.slack!;
  const now = snapshot.asOf;
  const queued = new Set(state.slack.outbox.map((m) => m.key));
  for (const { r, component } of items) {
    if (!component.alerts.slack) continue;
    const change = newToOwners(r, state) ? 'new' : r.status === 'resolved' ? 'resolved' : undefined;
    if (!change) continue;
    const key = `${change}:${r.id}:${change === 'new' ? r.firstSeen : r.resolvedAt}`;
    if (state.slack.sent[key] || queued.has(key)) continue;
    state.slack.outbox.push({ key, text: slackText(snapshot, context, r, component, change), queuedAt: now });
    queued.add(key);
  }
  if (state.slack.outbox.length === 0) return;
  if (settings.webhook === null) {
    report.pending += state.slack.outbox.length;
    report.problems.push(`Slack: ${settings.webhookEnv} is not set; ${state.slack.outbox.length} message(s) wait for a run that has it`);
    return;
  }
  const left: AlertState['slack']['outbox'] = [];
  for (const message of state.slack.outbox) {
    // After one failure the webhook is likely down: keep the rest for next run without trying.
    if (left.length > 0) {
      left.push(message);
      continue;
    }
    try {
      report.calls++;
      await request(settings.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: message.text }),
        timeoutMs: context.plan.timeoutMs,
        what: 'Slack webhook',
      });
      state.slack.sent[message.key] = now;
      report.messages++;
    } catch (error) {
      left.push(message);
      report.problems.push(`${(error as Error).message} (retried next run)`);
    }
  }
  state.slack.outbox = left;
  report.pending += left.length;
  // Sent keys are kept 90 days: long enough that a rerun of any recent snapshot finds them.
  const cutoff = new Date(Date.parse(now) - 90 * 86_400_000).toISOString();
  for (const [key, at] of Object.entries(state.slack.sent)) if (at < cutoff) delete state.slack.sent[key];
}
