/**
 * Fetch progress as people see it: plain lines at intervals in CI logs (counts, bytes, rates, ETA), a bar on a
 * terminal, nothing with --quiet.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter, formatDuration, progressLine } from '../src/cli/progress.ts';
import type { FetchProgress } from '../src/ingest/fetch-runs.ts';

function progress(overrides: Partial<FetchProgress> = {}): FetchProgress {
  return {
    phase: 'fetch',
    jobs: 3,
    jobsListed: 3,
    runsFound: 200,
    runsDone: 50,
    runsFromCache: 10,
    runsFetched: 38,
    runsFailed: 2,
    runsSkipped: 0,
    bytesRead: 25_000_000,
    startedAt: 0,
    ...overrides,
  };
}

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number; cursorTo?: unknown; clearLine?: unknown; moveCursor?: unknown };
  stream.isTTY = isTTY;
  stream.columns = 200;
  // What cli-progress calls on a terminal.
  const call = (cb?: () => void): true => {
    cb?.();
    return true;
  };
  stream.cursorTo = (_x: number, _y?: number, cb?: () => void) => call(cb);
  stream.clearLine = (_dir: number, cb?: () => void) => call(cb);
  stream.moveCursor = (_dx: number, _dy: number, cb?: () => void) => call(cb);
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('progress lines', () => {
  it('show runs done of found, what was read, cached and incomplete, bytes, rates and ETA', () => {
    // 50 runs in 10 s: 5 runs/s, 150 to go: 30 s.
    expect(progressLine(progress(), 10_000)).toBe('fetch: 50/200 runs (38 read, 10 cached, 2 incomplete), 25.0 MB, 5.0 runs/s, 2.5 MB/s, ETA 30s');
    expect(progressLine(progress({ jobsListed: 1, runsSkipped: 7 }), 10_000)).toMatch(/2 incomplete, 7 left at the deadline\), 1\/3 jobs listed,/);
    expect(progressLine(progress({ runsDone: 2 }), 10_000)).toMatch(/ETA \?$/);
    expect(progressLine(progress({ phase: 'discover' }), 0)).toBe('fetch: listing jobs…');
  });

  it('format durations for people', () => {
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h07m');
    expect(formatDuration(undefined)).toBe('?');
  });

  it('in CI print a line per interval and the last counts at stop; nothing for a fetch shorter than that', () => {
    const { stream, text } = capture(false);
    let now = 0;
    const reporter = createProgressReporter(stream, { intervalMs: 10_000, now: () => now });
    reporter.update(progress({ phase: 'discover', runsDone: 0 }));
    now = 5000;
    reporter.update(progress({ runsDone: 20 }));
    now = 11_000;
    reporter.update(progress({ runsDone: 60, startedAt: 1000 }));
    now = 15_000;
    reporter.update(progress({ runsDone: 70 }));
    now = 21_500;
    reporter.update(progress({ runsDone: 150 }));
    now = 22_000;
    reporter.update(progress({ phase: 'done', runsDone: 200, runsFound: 200 }));
    reporter.stop();
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('fetch: 60/200 runs (38 read, 10 cached, 2 incomplete), 25.0 MB, 6.0 runs/s, 2.5 MB/s, ETA 23s');
    expect(lines[1]).toMatch(/^fetch: 150\/200 runs/);
    expect(lines[2]).toMatch(/^fetch: 200\/200 runs .* ETA 0s$/);
    expect(text()).not.toContain('\r');

    const short = capture(false);
    const quick = createProgressReporter(short.stream, { intervalMs: 10_000, now: () => 3000 });
    quick.update(progress());
    quick.update(progress({ phase: 'done' }));
    quick.stop();
    expect(short.text()).toBe('');
  });

  it('print nothing with --quiet', () => {
    const { stream, text } = capture(false);
    const reporter = createProgressReporter(stream, true);
    reporter.update(progress());
    reporter.stop();
    expect(text()).toBe('');
  });

  it('draw a bar with the counts on a terminal', () => {
    const { stream, text } = capture(true);
    const reporter = createProgressReporter(stream, { plain: false, now: () => 10_000 });
    reporter.update(progress());
    reporter.update(progress({ runsDone: 60, runsFetched: 48 }));
    reporter.stop();
    expect(text()).toMatch(/fetch \|.*\| 60\/200 runs · 48 read · 10 cached · 2 incomplete · 25\.0 MB · 6\.0 runs\/s · 2\.5 MB\/s · ETA 23s/);
  });
});
