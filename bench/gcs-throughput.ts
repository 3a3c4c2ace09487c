/**
 * Raw read throughput of the GCS source over loopback, to choose its default concurrency.
 *
 *   npx node bench/gcs-throughput.ts [--objects 1000] [--size 1000000] [--concurrency 8,16,32,64] [--gzip]
 *                                    [--validation crc32c|md5|false] [--latency 0] [--rounds 3]
 *
 * Writes the objects to a temporary bucket directory, serves it with the test server in a child process (so
 * client and server do not share one core), reads every object once to warm the page cache and the server's
 * hash cache, then reads them all at each concurrency and prints MB/s. Loopback has no latency worth the name,
 * so these figures show the client's CPU ceiling; --latency holds every response back to mimic a remote GCS, where
 * higher concurrency pays more.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGcsSource } from '../src/source/gcs-source.ts';
import type { BucketSource } from '../src/source/source.ts';
import { forkGcsTestServer, serveInChildProcess } from '../test/support/gcs-server-process.ts';
import { writeObject } from '../test/support/gcs-test-server.ts';

const BUCKET = 'bench-bucket';

if (process.argv[2] === 'serve') {
  // Child: serve the directory, every response held back --latency ms (to mimic a remote GCS).
  await serveInChildProcess(process.argv[3]!, BUCKET, Number(process.argv[4] ?? 0));
} else {
  await main();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string', default: '1000' },
      size: { type: 'string', default: '1000000' },
      concurrency: { type: 'string', default: '8,16,32,64' },
      gzip: { type: 'boolean', default: false },
      validation: { type: 'string', default: 'crc32c' },
      rounds: { type: 'string', default: '3' },
      latency: { type: 'string', default: '0' },
    },
  });
  const count = Number(values.objects);
  const size = Number(values.size);
  const levels = values.concurrency.split(',').map(Number);
  const rounds = Number(values.rounds);
  const latencyMs = Number(values.latency);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`--latency must be a number of milliseconds >= 0, got "${values.latency}"`);
  const validation = values.validation === 'false' ? false : values.validation;
  if (validation !== false && validation !== 'crc32c' && validation !== 'md5') {
    throw new Error(`--validation must be crc32c, md5 or false, got "${values.validation}"`);
  }
  if (
    !Number.isInteger(count) ||
    count < 1 ||
    !Number.isInteger(size) ||
    size < 1 ||
    levels.some((n) => !Number.isInteger(n) || n < 1) ||
    !Number.isInteger(rounds) ||
    rounds < 1
  ) {
    throw new Error('--objects, --size, --rounds and --concurrency must be positive whole numbers (concurrency: comma-separated)');
  }

  const base = await mkdtemp(join(tmpdir(), 'gcs-throughput-'));
  const root = join(base, 'bucket');
  const server = forkGcsTestServer(fileURLToPath(import.meta.url), ['serve', root, String(latencyMs)]);
  try {
    const names: string[] = [];
    process.stdout.write(`writing ${count} objects of ${size} bytes${values.gzip ? ' (gzip-encoded)' : ''}… `);
    for (let i = 0; i < count; i++) {
      const name = `logs/bench-job/${1000 + i}/artifacts/junit_e2e.xml`;
      // Random bytes do not compress: gzip objects then cost gunzip CPU without shrinking, a worst case.
      await writeObject(root, name, randomBytes(size), values.gzip ? { contentEncoding: 'gzip' } : {});
      names.push(name);
    }
    console.log('done');
    const url = await server.url;

    const run = async (concurrency: number): Promise<{ seconds: number; bytes: number; cpuSeconds: number }> => {
      const source = createGcsSource({ bucket: BUCKET, endpoint: url, concurrency, validation });
      const cpu = process.cpuUsage();
      const started = performance.now();
      const sizes = await Promise.all(names.map((name) => drain(source, name)));
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      await source.close?.();
      return { seconds, bytes: sizes.reduce((a, b) => a + b, 0), cpuSeconds: (used.user + used.system) / 1e6 };
    };

    await run(16); // warm-up: page cache, server hash cache, JIT
    console.log(`validation: ${validation}, first-byte latency: ${latencyMs} ms`);
    console.log(`median of ${rounds} rounds; levels interleaved so load from elsewhere on the machine hits all alike`);
    console.log('concurrency  seconds   MB/s  objects/s  client CPU');
    const results = new Map<number, { seconds: number; cpuSeconds: number }[]>(levels.map((level) => [level, []]));
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of levels) {
        const result = await run(concurrency);
        if (result.bytes !== count * size) throw new Error(`read ${result.bytes} bytes, expected ${count * size}: the source returned wrong data`);
        results.get(concurrency)!.push(result);
      }
    }
    const bytes = count * size;
    for (const concurrency of levels) {
      const sorted = results.get(concurrency)!.sort((a, b) => a.seconds - b.seconds);
      const { seconds, cpuSeconds } = sorted[Math.floor(sorted.length / 2)]!;
      console.log(
        `${String(concurrency).padStart(11)}  ${seconds.toFixed(2).padStart(7)}  ${(bytes / 1e6 / seconds).toFixed(0).padStart(5)}  ${(count / seconds)
          .toFixed(0)
          .padStart(9)}  ${((cpuSeconds / seconds) * 100).toFixed(0).padStart(9)} %`,
      );
    }
  } finally {
    await server.stop();
    await rm(base, { recursive: true, force: true });
  }
}

async function drain(source: BucketSource, name: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of await source.read(name)) bytes += chunk.byteLength;
  return bytes;
}
