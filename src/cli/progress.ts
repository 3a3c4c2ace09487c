/**
 * Fetch progress: a live bar on a terminal, plain periodic lines in CI or when piped (a bar's carriage
 * returns make a CI log unreadable), and a final summary either way (printed by the CLI).
 */
import cliProgress from 'cli-progress';
import type { FetchProgress } from '../pipeline.ts';

export interface ProgressReporter {
  update(progress: FetchProgress): void;
  stop(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** Plain lines instead of a bar. Default: when the stream is not a terminal, or CI is set. */
  plain?: boolean;
  /** Milliseconds between plain lines. Default 10 s. */
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export function createProgressReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  options: ProgressOptions | boolean = {},
): ProgressReporter {
  const opts: ProgressOptions = typeof options === 'boolean' ? { quiet: options } : options;
  if (opts.quiet) return { update() {}, stop() {} };
  const now = opts.now ?? Date.now;
  const plain = opts.plain ?? (!stream.isTTY || Boolean(process.env.CI));
  return plain ? plainReporter(stream, opts.intervalMs ?? 10_000, now) : barReporter(stream as NodeJS.WriteStream, now);
}

/** The numbers both forms show, derived from one progress report. */
function describeProgress(p: FetchProgress, now: number): { runsPerSec: number; mbPerSec: number; etaSeconds: number | undefined; mb: number } {
  const seconds = Math.max(0.001, (now - p.startedAt) / 1000);
  const runsPerSec = p.runsDone / seconds;
  const remaining = Math.max(0, p.runsFound - p.runsDone);
  // Runs from the cache take no time: the rate of fetched runs predicts the rest better, but early on we have
  // only the overall one.
  const etaSeconds = runsPerSec > 0 && p.runsDone >= 5 ? remaining / runsPerSec : undefined;
  return { runsPerSec, mbPerSec: p.bytesRead / 1e6 / seconds, etaSeconds, mb: p.bytesRead / 1e6 };
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One plain line: what a CI log shows every interval. */
export function progressLine(p: FetchProgress, now: number): string {
  if (p.phase === 'discover') return `fetch: listing jobs…`;
  const d = describeProgress(p, now);
  const listing = p.jobsListed < p.jobs ? `, ${p.jobsListed}/${p.jobs} jobs listed` : '';
  const skipped = p.runsSkipped > 0 ? `, ${p.runsSkipped} left at the deadline` : '';
  return (
    `fetch: ${p.runsDone}/${p.runsFound} runs (${p.runsFetched} read, ${p.runsFromCache} cached, ${p.runsFailed} incomplete${skipped})${listing}, ` +
    `${d.mb.toFixed(1)} MB, ${d.runsPerSec.toFixed(1)} runs/s, ${d.mbPerSec.toFixed(1)} MB/s, ETA ${formatDuration(d.etaSeconds)}`
  );
}

function plainReporter(stream: NodeJS.WritableStream, intervalMs: number, now: () => number): ProgressReporter {
  // A fetch that ends within one interval prints nothing here: its summary says it all.
  let last = now();
  let printed = false;
  let latest: FetchProgress | undefined;
  let printedLatest = false;
  return {
    update(p) {
      latest = p;
      printedLatest = false;
      const t = now();
      if (p.phase === 'done' || t - last < intervalMs) return;
      last = t;
      printed = printedLatest = true;
      stream.write(`${progressLine(p, t)}\n`);
    },
    stop() {
      // Where the counts ended, when the fetch ran long enough to print lines.
      if (latest && printed && !printedLatest) stream.write(`${progressLine({ ...latest, phase: 'fetch' }, now())}\n`);
      latest = undefined;
    },
  };
}

function barReporter(stream: NodeJS.WriteStream, now: () => number): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'fetch |{bar}| {value}/{total} runs · {fetched} read · {cached} cached · {failed} incomplete · {mb} MB · {rate} runs/s · {mbps} MB/s · ETA {etaText}',
      hideCursor: true,
      clearOnComplete: true,
      // Our own ETA: cli-progress's assumes a fixed total, and ours grows while jobs are being listed.
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      if (p.phase === 'discover') return;
      const d = describeProgress(p, now());
      const payload = {
        cached: p.runsFromCache,
        fetched: p.runsFetched,
        failed: p.runsFailed,
        mb: d.mb.toFixed(1),
        rate: d.runsPerSec.toFixed(1),
        mbps: d.mbPerSec.toFixed(1),
        etaText: formatDuration(d.etaSeconds),
      };
      const total = Math.max(p.runsFound, p.runsDone, 1);
      if (!started) {
        bar.start(total, p.runsDone, payload);
        started = true;
      }
      bar.setTotal(total);
      bar.update(p.runsDone, payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
