/**
 * Builds the static site from the snapshots with Astro, in a child process (Astro owns its Vite).
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT, type OutputPaths } from '../cli/paths.ts';

export interface BuildOptions {
  base?: string;
  site?: string;
  quiet?: boolean;
}

/** Build the static site from the snapshots with Astro, in a child process (Astro owns its Vite). */
export async function buildSite(paths: OutputPaths, options: BuildOptions = {}): Promise<void> {
  await mkdir(paths.site, { recursive: true });
  const astroBin = path.join(PROJECT_ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');
  const env = {
    ...process.env,
    ASTRO_TELEMETRY_DISABLED: '1',
    RATCHET_SNAPSHOTS_DIR: paths.snapshots,
    RATCHET_ARCHIVE_DIR: paths.archive,
    RATCHET_SITE_DIR: paths.site,
    ...(options.base ? { RATCHET_BASE: options.base } : {}),
    ...(options.site ? { RATCHET_SITE: options.site } : {}),
  };
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [astroBin, 'build', '--silent'], { cwd: PROJECT_ROOT, env, stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`astro build failed with exit code ${code}${output ? `:\n${output.slice(-4000)}` : ''}`))));
  });
}
