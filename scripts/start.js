// `npm start`: generate the bundled sample bucket on first use, then fetch, analyse and build it,
// and say where the site is and how to preview it.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSample } from '../src/sample/generate.ts';
import { main } from '../src/cli/main.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sampleDir = path.join(root, 'data', 'sample');
const bucket = path.join(sampleDir, 'bucket');
const stampFile = path.join(sampleDir, '.generated');

// The sample is regenerated whenever the generator's code changes, so it always matches it.
const generatorHash = createHash('sha256');
for (const dir of [path.join(root, 'src', 'sample'), path.join(root, 'src', 'sample', 'raw')]) {
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (name.includes('.')) generatorHash.update(name).update(readFileSync(file));
  }
}
const stamp = generatorHash.digest('hex');
if (!existsSync(bucket) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8').trim() !== stamp) {
  rmSync(bucket, { recursive: true, force: true });
  const started = Date.now();
  const result = await generateSample(bucket);
  writeFileSync(stampFile, `${stamp}\n`);
  console.log(
    `sample: generated ${result.runs} runs, ${result.files} files (${(result.bytes / 1e6).toFixed(1)} MB) in ${bucket} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

const code = await main(['run', '--config', path.join(sampleDir, 'ratchet.config.json'), ...process.argv.slice(2)]);
if (code === 0) {
  const site = path.join(root, 'dist');
  console.log(`\nThe report is in ${site} (open ${path.join(site, 'index.html')} through a web server).`);
  console.log('Preview it with:  npx ratchet preview   → http://127.0.0.1:4321/');
}
process.exit(code);
