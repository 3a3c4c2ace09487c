/**
 * The run summary a CI job shows (GitHub's step summary, `ratchet summary >> "$GITHUB_STEP_SUMMARY"`): the newest
 * snapshot's link, coverage, and its new and resolved regressions, as Markdown. It is read from the published site
 * (snapshots/index.json and the snapshot's summary.json), so it says exactly what was published, and costs two
 * small files however large the snapshot. Text from the data is escaped so it cannot become a link or markup.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
// Types only: summary.ts is a module of the Astro build (its links need import.meta.env), so its parser is not loaded here.
import type { SnapshotSummary } from '../site/lib/summary.ts';

const MAX_LISTED = 25;
const MAX_REASON = 240;

/** Data as Markdown text, on one line: the characters that could start a link, markup or a table cell are escaped. */
function text(value: string, max = Number.POSITIVE_INFINITY): string {
  const line = value.replace(/\s+/g, ' ').trim();
  const cut = line.length > max ? `${line.slice(0, max - 1)}…` : line;
  return cut.replace(/([\\`*_[\]<>|~!])/g, '\\$1');
}

function absolute(siteUrl: string, sitePath: string): string {
  return new URL(sitePath, siteUrl.endsWith('/') ? siteUrl : `${siteUrl}/`).href;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} could not be read (${(error as Error).message}); build the site first (ratchet run or ratchet build)`);
  }
}

/** The Markdown for the newest snapshot of the site in `siteDir`, published at `siteUrl` + `base`. */
export async function stepSummary(siteDir: string, siteUrl: string, base: string): Promise<string> {
  const index = (await readJson(path.join(siteDir, 'snapshots', 'index.json'))) as { latest?: unknown };
  if (typeof index.latest !== 'string') return '## Ratchet\n\nNo snapshot has been published yet.\n';
  const summary = asSummary(await readJson(path.join(siteDir, 'snapshots', index.latest, 'summary.json')));
  if (!summary) throw new Error(`${path.join(siteDir, 'snapshots', index.latest, 'summary.json')} is not a summary this version of Ratchet reads`);
  return render(summary, siteUrl, base);
}

/** The fields this summary reads, checked; undefined when the file is not a summary (version 1) with them. */
function asSummary(value: unknown): SnapshotSummary | undefined {
  const s = value as Partial<SnapshotSummary> | null;
  const ok =
    s !== null &&
    typeof s === 'object' &&
    s.summaryVersion === 1 &&
    typeof s.id === 'string' &&
    typeof s.asOf === 'string' &&
    typeof s.problemCount === 'number' &&
    typeof s.coverage === 'object' &&
    s.coverage !== null &&
    Array.isArray(s.changes) &&
    s.changes.every((c) => typeof c?.title === 'string' && typeof c.href === 'string' && (c.change === 'new' || c.change === 'resolved'));
  return ok ? (s as SnapshotSummary) : undefined;
}

function render(s: SnapshotSummary, siteUrl: string, base: string): string {
  const link = absolute(siteUrl, `${base}snapshots/${s.id}/`);
  const created = s.changes.filter((c) => c.change === 'new');
  const resolved = s.changes.filter((c) => c.change === 'resolved');
  const active = s.active ? s.active.test + s.active.job + s.active.disruption : null;
  const c = s.coverage;
  const lines = [
    `## Ratchet report ${s.id}`,
    '',
    `[Open the snapshot](${link}) · as of ${s.asOf} · ![regressions](${absolute(siteUrl, `${base}badges/overall.svg`)})`,
    '',
    '| | |',
    '|---|---:|',
    `| New regressions | ${created.length} |`,
    `| Resolved regressions | ${resolved.length} |`,
    `| Open regressions (test, job, disruption) | ${active === null ? 'not computed' : `${active} (${s.active!.test}, ${s.active!.job}, ${s.active!.disruption})`} |`,
    `| Runs read (from cache, fetched) | ${c.runsRead} (${c.runsFromCache}, ${c.runsFetched}) |`,
    `| Jobs | ${c.jobs} |`,
    `| Runs unfinished, incomplete | ${c.runsPending}, ${c.runsIncomplete} |`,
    `| Data-quality problems | ${s.problemCount} |`,
    '',
  ];
  if (c.runsRead === 0) lines.push('> **No runs were read**: this snapshot says nothing about the jobs. See its data-quality page.', '');
  for (const [title, changes] of [
    ['New regressions', created],
    ['Resolved regressions', resolved],
  ] as const) {
    if (changes.length === 0) continue;
    lines.push(`### ${title}`, '');
    for (const change of changes.slice(0, MAX_LISTED))
      lines.push(
        `- [${text(change.title)}](${absolute(siteUrl, change.href)}) (${text(change.severity)}, ${text(change.group)}): ${text(change.reason, MAX_REASON)}`,
      );
    if (changes.length > MAX_LISTED) lines.push(`- … and ${changes.length - MAX_LISTED} more on [the snapshot](${link})`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
