/**
 * The compare page: fetch two snapshots' compare.json and show what changed, with the same diff the
 * "What changed" pages use (lib/diff.ts) and links built by lib/links.ts. Everything from the
 * documents is set as text.
 */
import { diffSnapshots, isCompareInput, type CompareInput, type CompareRegression, type DisruptionChange, type JobChange } from '../lib/diff.ts';
import { delta, jobStatus, percent, plural } from '../lib/format.ts';
import { compareJsonHref, jobHref, snapshotHref } from '../lib/links.ts';
import type { JobSummary } from '../../snapshot/schema.ts';

const form = document.querySelector<HTMLFormElement>('[data-compare-form]');
const status = document.querySelector<HTMLElement>('[data-compare-status]');
const result = document.querySelector<HTMLElement>('[data-compare-result]');
document.querySelector<HTMLElement>('[data-compare-nojs]')?.setAttribute('hidden', '');

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function link(href: string, text: string): HTMLAnchorElement {
  const a = el('a', text);
  a.href = href;
  return a;
}

async function fetchInput(id: string): Promise<CompareInput> {
  const response = await fetch(compareJsonHref(id));
  if (!response.ok) throw new Error(`${compareJsonHref(id)}: HTTP ${response.status}`);
  const body: unknown = await response.json();
  if (!isCompareInput(body)) throw new Error(`${compareJsonHref(id)} is not a compare document this page understands`);
  return body;
}

function changeTable(changes: JobChange[], caption: string, fromId: string, toId: string): HTMLElement {
  const wrap = el('div', undefined, 'table-scroll');
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', caption);
  wrap.tabIndex = 0;
  const table = el('table', undefined, 'data changes');
  table.append(el('caption', caption));
  const head = el('tr');
  for (const [text, num] of [
    ['Job', false],
    [`Pass rate in ${fromId}`, true],
    [`Pass rate in ${toId}`, true],
    ['Change', true],
    [`Status in ${fromId}`, false],
    [`Status in ${toId}`, false],
  ] as const) {
    const th = el('th', text, num ? 'num' : undefined);
    th.scope = 'col';
    head.append(th);
  }
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  for (const c of changes) {
    const row = el('tr');
    const name = el('th', undefined, 'name');
    name.scope = 'row';
    name.append(link(jobHref(toId, c.name), c.name), el('span', c.variantKey, 'suite'));
    const d = delta(c.delta);
    const change = el('td', undefined, 'num');
    const shown = el('span', `${d.arrow ? `${d.arrow} ` : ''}${d.text}`);
    shown.setAttribute('aria-hidden', 'true');
    change.append(el('span', undefined, `delta delta-${d.direction}`));
    change.firstElementChild!.append(shown, el('span', d.label, 'visually-hidden'));
    const badge = (s: string) => {
      const b = jobStatus(s as JobSummary['status']);
      const cell = el('td');
      const span = el('span', undefined, `badge tone-${b.tone}`);
      const icon = el('span', b.icon, 'badge-icon');
      icon.setAttribute('aria-hidden', 'true');
      span.append(icon, ` ${b.text}`);
      cell.append(span);
      return cell;
    };
    row.append(
      name,
      el('td', `${percent(c.before)} of ${c.finishedBefore}`, 'num'),
      el('td', `${percent(c.after)} of ${c.finishedAfter}`, 'num'),
      change,
      badge(c.statusBefore),
      badge(c.statusAfter),
    );
    body.append(row);
  }
  table.append(body);
  wrap.append(table);
  return wrap;
}

const KIND: Record<CompareRegression['kind'], string> = { test: 'Test', job: 'Job pass rate', disruption: 'Disruption' };

function regressionList(items: CompareRegression[]): HTMLElement {
  const list = el('ul', undefined, 'regression-list');
  for (const r of items) {
    const item = el('li');
    // href comes from our own published document, built by links.ts: a site path.
    item.append(el('span', KIND[r.kind] ?? r.kind, 'kind-label'), ' ', r.href.startsWith('/') ? link(r.href, r.title) : el('span', r.title));
    if (r.severity === 'extreme') item.append(' ', el('span', '‼ Extreme', 'badge tone-bad'));
    item.append(el('span', r.group, 'suite'));
    list.append(item);
  }
  return list;
}

function disruptionTable(changes: DisruptionChange[], fromId: string, toId: string): HTMLElement {
  const wrap = el('div', undefined, 'table-scroll');
  const table = el('table', undefined, 'data changes');
  table.append(el('caption', `Up to ${changes.length} backend × variant cells, largest change of P95 first (seconds per run)`));
  const head = el('tr');
  for (const [text, num] of [
    ['Backend', false],
    ['Variant', false],
    [`P95 in ${fromId}`, true],
    [`P95 in ${toId}`, true],
    ['Change', true],
  ] as const) {
    const th = el('th', text, num ? 'num' : undefined);
    th.scope = 'col';
    head.append(th);
  }
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  for (const c of changes) {
    const row = el('tr');
    const name = el('th', c.backend, 'name');
    name.scope = 'row';
    row.append(
      name,
      el('td', c.variantKey),
      el('td', `${c.before} s (${c.runsBefore} runs)`, 'num'),
      el('td', `${c.after} s (${c.runsAfter} runs)`, 'num'),
      el('td', `${c.delta > 0 ? '▲ +' : '▼ −'}${Math.abs(c.delta)} s`, `num delta delta-${c.delta > 0 ? 'down' : 'up'}`),
    );
    body.append(row);
  }
  table.append(body);
  wrap.append(table);
  return wrap;
}

async function compare(fromId: string, toId: string): Promise<void> {
  if (!result || !status) return;
  result.replaceChildren();
  if (fromId === toId) {
    status.textContent = 'Pick two different snapshots.';
    return;
  }
  status.textContent = `Comparing ${fromId} with ${toId}…`;
  let from: CompareInput;
  let to: CompareInput;
  try {
    [from, to] = await Promise.all([fetchInput(fromId), fetchInput(toId)]);
  } catch (err) {
    status.textContent = `Could not compare: ${(err as Error).message}.`;
    return;
  }
  const diff = diffSnapshots(from, to);
  const intro = el('p');
  intro.append(
    'From ',
    link(snapshotHref(from.id), from.id),
    ' to ',
    link(snapshotHref(to.id), to.id),
    `: ${plural(diff.jobsCompared, 'job')} with a known rate in both.`,
  );
  result.append(intro);
  if (from.runsRead === 0 || to.runsRead === 0) {
    result.append(el('p', `${from.runsRead === 0 ? from.id : to.id} read no runs, so changes cannot be told apart from missing data.`, 'callout tone-muted'));
  }
  result.append(el('h2', `Regressions${to.regressionMode ? ` (${to.regressionMode} mode)` : ''}`));
  if (!diff.regressions) {
    result.append(el('p', 'One of the two snapshots was analysed before Ratchet judged regressions.', 'empty'));
  } else {
    for (const [title, items] of [
      [`New since ${from.id}`, diff.regressions.appeared],
      ['Resolved', diff.regressions.resolved],
      ['Still open', diff.regressions.stillOpen],
    ] as const) {
      result.append(el('h3', `${title} (${items.length})`));
      result.append(items.length === 0 ? el('p', 'None.', 'empty') : regressionList(items));
    }
  }
  result.append(el('h2', 'Biggest pass-rate changes'));
  result.append(
    diff.jobChanges.length === 0
      ? el('p', 'No job’s pass rate changed.', 'empty')
      : changeTable(diff.jobChanges, `Up to ${diff.jobChanges.length} jobs, largest change first`, from.id, to.id),
  );
  result.append(el('h2', 'Status changes'));
  result.append(
    diff.statusChanges.length === 0
      ? el('p', 'No job changed status.', 'empty')
      : changeTable(diff.statusChanges, 'Jobs whose status changed, by name', from.id, to.id),
  );
  if (diff.disruptionChanges) {
    result.append(el('h2', 'Biggest disruption changes'));
    result.append(
      diff.disruptionChanges.length === 0 ? el('p', 'No backend’s P95 changed.', 'empty') : disruptionTable(diff.disruptionChanges, from.id, to.id),
    );
  }
  result.append(el('h2', 'Jobs added and removed'));
  if (diff.jobsAdded.length === 0 && diff.jobsRemoved.length === 0) result.append(el('p', 'The same jobs ran in both.', 'empty'));
  for (const [title, names, id] of [
    [`New in ${to.id}`, diff.jobsAdded, to.id],
    [`Gone since ${from.id}`, diff.jobsRemoved, from.id],
  ] as const) {
    if (names.length === 0) continue;
    result.append(el('h3', title));
    const list = el('ul', undefined, 'name-list');
    for (const name of names) {
      const item = el('li');
      item.append(link(jobHref(id, name), name));
      list.append(item);
    }
    result.append(list);
  }
  status.textContent = `Compared ${from.id} with ${to.id}.`;
}

if (form) {
  const fromSelect = form.querySelector<HTMLSelectElement>('select[name="from"]');
  const toSelect = form.querySelector<HTMLSelectElement>('select[name="to"]');
  const known = new Set([...(fromSelect?.options ?? [])].map((o) => o.value));
  const params = new URLSearchParams(location.search);
  const from = params.get('from');
  const to = params.get('to');
  if (fromSelect && from && known.has(from)) fromSelect.value = from;
  if (toSelect && to && known.has(to)) toSelect.value = to;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = fromSelect?.value ?? '';
    const t = toSelect?.value ?? '';
    history.replaceState(null, '', `${location.pathname}?${new URLSearchParams({ from: f, to: t }).toString()}`);
    void compare(f, t);
  });
  if ((from && known.has(from)) || (to && known.has(to))) void compare(fromSelect?.value ?? '', toSelect?.value ?? '');
}
