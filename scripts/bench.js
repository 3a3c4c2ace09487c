// `npm run bench`: the speed and memory targets, each proven by its own benchmark script in bench/.
// Runs them one after another (never in parallel: they measure time and peak memory) with this
// Node, and exits non-zero when any misses its target (each script exits 1 then).
// bench/gcs-throughput.ts and bench/ingest.ts need a bucket or a server; they have their own scripts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benches = ['bench/analysis.ts', 'bench/render.ts', 'bench/clustering.ts'].filter((file) => existsSync(path.join(root, file)));
let failed = 0;
for (const file of benches) {
  console.log(`--- ${file}`);
  const result = spawnSync(process.execPath, [path.join(root, file)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`${file} missed its target (exit code ${result.status ?? result.signal})`);
  }
}
console.log(failed ? `${failed} of ${benches.length} benchmarks missed their targets` : `all ${benches.length} benchmarks met their targets`);
process.exit(failed ? 1 : 0);
