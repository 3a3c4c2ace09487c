/**
 * Which start times can move a job's window edge. A fetch walks a job's builds newest first and stops at the first
 * run that started before the look-back window: everything older is taken to be older still, and skipped, then and
 * in later fetches (the edge is saved in last-fetch.json). One wrong started.json (timestamp 0, or a start a month
 * early) would then hide every older build for good, so a start moves the edge only when it is plausible:
 *
 * - never before Prow's build-id epoch (November 2010), where timestamp 0 and other small numbers land;
 * - for a snowflake build id (19 digits: Prow's, which holds the id's creation time), not earlier than the id's
 *   time less an hour of clock skew: a pod starts after its ProwJob is created;
 * - for any other id (sequential numbers tell no time), not earlier than the start of the next older build by more
 *   than NEIGHBOUR_SLACK_MS: a later build does not start hours before an earlier one. Such a start is only
 *   confirmed once that neighbour has been read.
 *
 * Pure functions; fetch-runs.ts applies them.
 */

/** Prow's build ids are snowflakes: milliseconds since this epoch, shifted left by 22 bits. */
const SNOWFLAKE_EPOCH_MS = 1288834974657;

/** How much earlier than its build id's time a run may say it started (clocks of different machines). */
const CLOCK_SKEW_MS = 3_600_000;

/** How much earlier than the next older build a sequentially numbered build may say it started. */
const NEIGHBOUR_SLACK_MS = 6 * 3_600_000;

/** The creation time a snowflake build id holds (epoch ms), or undefined for ids that are not snowflakes. */
export function snowflakeTime(buildId: string): number | undefined {
  if (!/^[1-9]\d{18}$/.test(buildId)) return undefined;
  return Number(BigInt(buildId) >> 22n) + SNOWFLAKE_EPOCH_MS;
}

/** Why a start time (epoch ms) cannot be the run's, judged from the run alone; undefined when it may be. */
export function implausibleStart(buildId: string, startMs: number): string | undefined {
  const said = `its start time is ${iso(startMs)}`;
  if (startMs < SNOWFLAKE_EPOCH_MS) return `${said}, before Prow ran any build; not counted, and not taken as the edge of the window`;
  const created = snowflakeTime(buildId);
  if (created !== undefined && startMs < created - CLOCK_SKEW_MS) {
    return `${said}, but its build id says the build was created at ${iso(created)}; not counted, and not taken as the edge of the window`;
  }
  return undefined;
}

/**
 * Why a start before the window cannot be right, given the start of the next older build read; undefined when it is
 * consistent with it (then it is the window's edge).
 */
export function implausibleAgainstOlder(startMs: number, older: { buildId: string; startMs: number }): string | undefined {
  if (startMs >= older.startMs - NEIGHBOUR_SLACK_MS) return undefined;
  return `its start time is ${iso(startMs)}, but the build before it (${older.buildId}) started at ${iso(older.startMs)}; not counted, and not taken as the edge of the window`;
}

/** A saved edge: the newest build known to have started before the window, and when it started (the evidence). */
export interface WindowEdge {
  buildId: string;
  /** ISO 8601. */
  started: string;
}

/**
 * Whether a saved edge may still hide the builds at and below it: it carries a start (edges written before starts
 * were checked carry none, and are not trusted), that start is plausible, and it is before this fetch's window.
 */
export function trustedEdge(edge: unknown, cutoffMs: number): edge is WindowEdge {
  if (edge === null || typeof edge !== 'object') return false;
  const { buildId, started } = edge as Partial<WindowEdge>;
  if (typeof buildId !== 'string' || typeof started !== 'string') return false;
  const startMs = Date.parse(started);
  return Number.isFinite(startMs) && startMs < cutoffMs && implausibleStart(buildId, startMs) === undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
