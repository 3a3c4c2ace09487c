/**
 * Fetch progress: a live bar on a terminal, plain periodic lines in CI or when piped, and a final
 * summary either way.
 */
import cliProgress from 'cli-progress';
import type { FetchProgress } from '../ingest/fetch-runs.ts';

export interface ProgressReporter {
  update(progress: FetchProgress): void;
  stop(): void;
}

export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressReporter {
  if (quiet) return { update() {}, stop() {} };
  const started = Date.now();
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'fetch |{bar}| {value}/{total} runs · {cached} cached · {fetched} read · {failed} failed · {mb} MB · {rate} runs/s · ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update(p) {
        const payload = { cached: p.runsFromCache, fetched: p.runsFetched, failed: p.runsFailed, mb: (p.bytesRead / 1e6).toFixed(1), rate: rate(p.runsDone, started) };
        if (!startedBar) {
          bar.start(Math.max(p.runsFound, 1), p.runsDone, payload);
          startedBar = true;
        }
        bar.setTotal(Math.max(p.runsFound, p.runsDone, 1));
        bar.update(p.runsDone, payload);
      },
      stop() {
        if (startedBar) bar.stop();
      },
    };
  }
  let last = Date.now();
  return {
    update(p) {
      const now = Date.now();
      if (p.phase !== 'fetch' || now - last < 5000) return;
      last = now;
      stream.write(`fetch: ${p.runsDone}/${p.runsFound} runs (${p.runsFromCache} cached, ${p.runsFetched} read, ${p.runsFailed} incomplete), ${(p.bytesRead / 1e6).toFixed(1)} MB, ${rate(p.runsDone, started)} runs/s\n`);
    },
    stop() {},
  };
}

function rate(done: number, since: number): string {
  const seconds = (Date.now() - since) / 1000;
  return seconds > 0 ? (done / seconds).toFixed(1) : '0';
}
