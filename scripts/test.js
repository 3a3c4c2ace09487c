// `npm test`: the house checks (typecheck, lint, deps, knip), then the whole suite with vitest, then
// the closing line CI reads, "N passed, N failed[, N skipped]". Each check counts as one test, passed
// or failed, so a broken rule fails CI exactly as a broken test does; vitest's tests are counted from
// its JSON report (not its console summary).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reportDir = path.join(root, '.cache');
const report = path.join(reportDir, 'vitest-report.json');
const summary = path.join(reportDir, 'test-summary.txt');
mkdirSync(reportDir, { recursive: true });
rmSync(report, { force: true });
rmSync(summary, { force: true });

/** The package.json scripts run as checks; each is one test in the closing line. */
const CHECKS = ['typecheck', 'lint', 'deps', 'knip'];

/** Runs a command with its output captured; resolves with the exit code (1 for a signal) and the output. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: 1, output: `${output}\ncould not start ${command}: ${error.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

// Through npm, so each check runs exactly what `npm run <name>` runs; npm_execpath is npm's own CLI
// when this script was started by npm (the usual way), under the project's Node.
function npmRun(name) {
  const npm = process.env.npm_execpath;
  return npm ? run(process.execPath, [npm, 'run', '--silent', name]) : run('npm', ['run', '--silent', name]);
}

// The checks share nothing, so they run side by side (typecheck takes longest); vitest starts after
// them so its timing-sensitive tests do not compete with tsc for the two cores.
console.log(`checks: ${CHECKS.join(', ')}`);
const checks = await Promise.all(
  CHECKS.map(async (name) => {
    const started = performance.now();
    const { code, output } = await npmRun(name);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (code === 0) console.log(`  ✓ ${name} (${seconds} s)`);
    else console.log(`  ✗ ${name} (${seconds} s, exit code ${code}): \`npm run ${name}\` says\n${output.trimEnd()}\n`);
    return code === 0;
  }),
);
const checksPassed = checks.filter(Boolean).length;
const checksFailed = checks.length - checksPassed;

const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
});

/** Prints and records the closing line, then exits non-zero when anything failed. */
function close(passed, failed, skipped, exitCode) {
  const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  if (checksFailed > 0) console.log(`failed checks: ${CHECKS.filter((_, i) => !checks[i]).join(', ')}`);
  writeFileSync(summary, `${line}\n`);
  console.log(line);
  process.exit(failed > 0 ? 1 : exitCode);
}

if (!existsSync(report)) {
  console.log(`vitest wrote no report (exit code ${code})`);
  close(checksPassed, checksFailed + 1, 0, code || 1);
}
const results = JSON.parse(readFileSync(report, 'utf8'));
const passed = results.numPassedTests ?? 0;
let failed = results.numFailedTests ?? 0;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
// A test file that fails to load has no tests to count; count it as a failure so it cannot hide.
const brokenFiles = (results.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
failed += brokenFiles;
if (code !== 0 && failed === 0) failed = 1;
close(passed + checksPassed, failed + checksFailed, skipped, code);
