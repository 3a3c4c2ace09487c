/**
 * The Astro build's child process (build-site.ts starts it with an IPC channel): runs `astro build --silent` in
 * this process, and stops as soon as the channel closes. The channel closes when the parent dies, however it dies:
 * a `ratchet build` killed with SIGKILL cannot stop its child, so the child stops itself instead of building on as
 * an orphan. Astro reads its arguments from process.argv, as when started from its own bin script.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../config/output-paths.ts';

if (!process.send) throw new Error('astro-child.ts runs as the child of build-site.ts (with an IPC channel), not on its own');
process.on('disconnect', () => process.exit(1));
// The channel must not keep the process alive once Astro is done.
process.channel?.unref();

const astroBin = path.join(PROJECT_ROOT, 'node_modules', 'astro', 'bin', 'astro.mjs');
process.argv = [process.execPath, astroBin, 'build', '--silent'];
await import(pathToFileURL(astroBin).href);
