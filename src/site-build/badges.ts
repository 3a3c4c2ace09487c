/**
 * Status badges for READMEs and dashboards, at stable addresses that follow the newest snapshot:
 *
 *   /badges/overall.svg        regressions of the default mode: "3 new" (red), "2 open" (orange), "none" (green);
 *                              "no data" (grey) when the snapshot read no runs: never healthy without evidence
 *   /badges/jobs/<job>.svg     the job's status and pass rate: passing (green), degraded (orange), failing (red),
 *                              stale (grey)
 *
 * Each is a small flat SVG with its text as <title> too (screen readers, hover). Widths come from a per-character
 * estimate of 11 px Verdana, the face such badges use; text from the data is escaped.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobSummary, Snapshot } from '../snapshot/schema.ts';
import { isSafeSegment } from '../util/safe-name.ts';

const COLORS = { ok: '#2e7d32', warn: '#b26a00', bad: '#c62828', muted: '#616161', label: '#424242' } as const;
type Tone = keyof typeof COLORS;

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Rough width of `text` in 11 px Verdana: narrow letters, wide letters, the rest. */
function textWidth(text: string): number {
  let w = 0;
  for (const c of text) w += /[ijlt.,:;'|!() ]/.test(c) ? 4 : /[mwMW%@]/.test(c) ? 10 : /[A-Z0-9]/.test(c) ? 8 : 7;
  return w;
}

export function badgeSvg(label: string, message: string, tone: Tone): string {
  const left = textWidth(label) + 12;
  const right = textWidth(message) + 12;
  const total = left + right;
  const title = escapeXml(`${label}: ${message}`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    `<rect width="${left}" height="20" fill="${COLORS.label}"/>`,
    `<rect x="${left}" width="${right}" height="20" fill="${COLORS[tone]}"/>`,
    `<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">`,
    `<text x="${left / 2}" y="14">${escapeXml(label)}</text>`,
    `<text x="${left + right / 2}" y="14">${escapeXml(message)}</text>`,
    '</g></svg>',
    '',
  ].join('\n');
}

export function overallBadge(snapshot: Snapshot): { message: string; tone: Tone } {
  if (snapshot.coverage.runsRead === 0) return { message: 'no data', tone: 'muted' };
  const regressions = snapshot.regressions;
  if (!regressions) return { message: 'not computed', tone: 'muted' };
  const counts = regressions.summary[regressions.settings.defaultMode];
  if (counts.new > 0) return { message: `${counts.new} new${counts.open > 0 ? `, ${counts.open} open` : ''}`, tone: 'bad' };
  if (counts.open > 0) return { message: `${counts.open} open`, tone: 'warn' };
  return { message: 'none', tone: 'ok' };
}

export function jobBadge(job: JobSummary): { message: string; tone: Tone } {
  const rate = job.current.passRate === null ? '' : ` ${(job.current.passRate * 100).toFixed(0)}%`;
  switch (job.status) {
    case 'passing':
      return { message: `passing${rate}`, tone: 'ok' };
    case 'degraded':
      return { message: `degraded${rate}`, tone: 'warn' };
    case 'failing':
      return { message: `failing${rate}`, tone: 'bad' };
    case 'stale':
      return { message: 'stale', tone: 'muted' };
  }
}

/** Writes <site>/badges/overall.svg and one badge per job; returns how many. */
export async function writeBadges(site: string, snapshot: Snapshot): Promise<number> {
  const dir = path.join(site, 'badges');
  await mkdir(path.join(dir, 'jobs'), { recursive: true });
  const overall = overallBadge(snapshot);
  await writeFile(path.join(dir, 'overall.svg'), badgeSvg('regressions', overall.message, overall.tone));
  for (const job of snapshot.jobs) {
    // The ingest refuses unsafe job names; a file name is checked again all the same.
    if (!isSafeSegment(job.name)) continue;
    const badge = jobBadge(job);
    await writeFile(path.join(dir, 'jobs', `${job.name}.svg`), badgeSvg('ratchet', badge.message, badge.tone));
  }
  return snapshot.jobs.length + 1;
}
