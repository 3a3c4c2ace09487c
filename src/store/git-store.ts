/**
 * An archive store on an orphan branch of a git repository: git+<repository url>#<branch> (branch default
 * "ratchet-archive"). The system `git` does the work, in a temporary bare repository that is removed when the
 * store closes; the only remote is the store's URL (file:// in tests, the project's own repository in the workflow,
 * pushed with its GITHUB_TOKEN).
 *
 * The branch is a chain of commits, one per push, and each commit's tree holds only what that push added:
 *
 *   entries/<id>/manifest.json, entries/<id>/pages/**   the entries of this push, the bytes published
 *   assets/_astro/*                                      every asset so far (unchanged ones are the same git objects)
 *   catalog/<yyyy-mm>.txt                                "<id> <commit>" for every entry of the earlier commits
 *
 * So the newest commit alone says what the store holds (its catalog and its own entries), a run fetches only the
 * commits of the entries it restores (depth 1, by commit id), and the history never has to be read whole: a year at
 * a 2-hour cadence is 4,380 commits, and a restore after a lost cache fetches two weeks of them. Browsers read an
 * entry at <public url><commit>/entries/<id>/pages/<path> (raw.githubusercontent.com for a github.com repository).
 *
 * A push is one ref update: all of it or nothing. When another run pushed first, git rejects ours (not a fast
 * forward); it is then built again on top of the other run's commit (whose entries go into our catalog) and pushed
 * again, a few times at most. The head (the newest snapshot's JSON) lives on a second branch, <branch>-head, a single
 * commit that is replaced with a lease (only if it is still the one we read, and only by a newer snapshot).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isSnapshotId } from '../snapshot/snapshot-id.ts';
import { UsageError } from '../util/errors.ts';
import { ownerTag, removeAbandoned } from '../util/owned-names.ts';
import type { ArchiveStore, PublicLayout, PushBatch, PushReport, StoreCatalog } from './archive-store.ts';
import { type DirectoryArchive, parseManifest } from './archive.ts';

const DEFAULT_BRANCH = 'ratchet-archive';
const MAX_ATTEMPTS = 6;
const IDENTITY = { GIT_AUTHOR_NAME: 'ratchet', GIT_AUTHOR_EMAIL: 'ratchet@localhost', GIT_COMMITTER_NAME: 'ratchet', GIT_COMMITTER_EMAIL: 'ratchet@localhost' };

class GitError extends Error {
  /** What git printed (stdout and stderr): push --porcelain reports a rejection on stdout. */
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = 'GitError';
    this.output = output;
  }
}

/** git+<url>#<branch>, checked: a URL git reads as an option, or a branch it would refuse, is a usage error here. */
function parseGitUrl(spec: string): { url: string; branch: string } {
  const body = spec.slice('git+'.length);
  const hash = body.lastIndexOf('#');
  const url = hash < 0 ? body : body.slice(0, hash);
  const branch = hash < 0 ? DEFAULT_BRANCH : body.slice(hash + 1);
  if (!/^(https?|ssh|git|file):\/\/\S+$/.test(url) && !/^[\w.-]+@[\w.-]+:\S+$/.test(url))
    throw new UsageError(`archive store "${spec}": expected git+<https|ssh|git|file URL or user@host:path>#<branch>`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(branch) || branch.includes('..') || branch.endsWith('.lock') || branch.endsWith('/'))
    throw new UsageError(`archive store "${spec}": "${branch}" is not a branch name this store uses (letters, digits, '.', '_', '-', '/')`);
  return { url, branch };
}

/** The URL as messages show it: no user or password. */
function redact(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^@/]+@/i, '$1');
}

interface Tip {
  commit: string;
  /** id → the commit that holds it. */
  locations: Map<string, string>;
  /** ids this very commit added (its entries/). */
  own: string[];
  assets: string[];
}

export async function openGitStore(spec: string, options: { workDir: string; publicUrl: string | null }): Promise<ArchiveStore> {
  const { url, branch } = parseGitUrl(spec);
  await mkdir(options.workDir, { recursive: true });
  await removeAbandoned(options.workDir, '.git-store-');
  const repo = await mkdtemp(path.join(options.workDir, `.git-store-${ownerTag()}-`));
  const store = new GitStore(url, branch, repo, options.publicUrl);
  await store.git(['init', '--bare', '-q', repo]);
  return store;
}

class GitStore implements ArchiveStore {
  readonly description: string;
  readonly publicLayout: PublicLayout | null;
  readonly #url: string;
  readonly #branch: string;
  readonly #repo: string;
  /** The tip as last read: a push's first attempt builds on it. */
  #tip: Tip | null | undefined;
  /** Commits fetched so far (depth 1). */
  readonly #fetched = new Set<string>();

  constructor(url: string, branch: string, repo: string, publicUrl: string | null) {
    this.#url = url;
    this.#branch = branch;
    this.#repo = repo;
    this.description = `git+${redact(url)}#${branch}`;
    this.publicLayout = publicUrl === null ? null : { kind: 'git', url: publicUrl };
  }

  /** Run git in the working repository; resolves with stdout, rejects with a GitError that says what failed. */
  git(args: string[], input?: string | Buffer, env: Record<string, string> = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['-c', 'commit.gpgsign=false', '-c', 'protocol.version=2', ...args], {
        env: { ...process.env, GIT_DIR: this.#repo, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...IDENTITY, ...env },
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', (error) =>
        reject(new GitError(`archive store ${this.description}: could not run git (${error.message}); install git (it must be on PATH)`, '')),
      );
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out));
        else
          reject(
            new GitError(
              `archive store ${this.description}: git ${args.filter((a) => a !== this.#url).join(' ')} failed (exit code ${code}): ${err.trim().replaceAll(this.#url, redact(this.#url))}`,
              `${Buffer.concat(out).toString()}\n${err}`,
            ),
          );
      });
      if (input !== undefined) {
        // A git that fails early stops reading; its exit status says why, not the broken pipe.
        child.stdin!.on('error', () => {});
        child.stdin!.end(input);
      }
    });
  }

  async #text(args: string[], input?: string, env?: Record<string, string>): Promise<string> {
    return (await this.git(args, input, env)).toString('utf8');
  }

  /** The remote's commit for each of our refs (absent when the branch does not exist yet). */
  async #remoteRefs(): Promise<{ entries?: string; head?: string }> {
    const out = await this.#text(['ls-remote', '--', this.#url, `refs/heads/${this.#branch}`, `refs/heads/${this.#branch}-head`]);
    const refs: { entries?: string; head?: string } = {};
    for (const line of out.split('\n')) {
      const [sha, ref] = line.split('\t');
      if (ref === `refs/heads/${this.#branch}`) refs.entries = sha;
      if (ref === `refs/heads/${this.#branch}-head`) refs.head = sha;
    }
    return refs;
  }

  async #fetch(commits: readonly string[]): Promise<void> {
    const missing = [...new Set(commits)].filter((c) => !this.#fetched.has(c));
    if (missing.length === 0) return;
    // By commit id, depth 1: only those commits' trees, never the history between them.
    await this.git(['fetch', '-q', '--depth=1', '--no-tags', '--no-write-fetch-head', '--', this.#url, ...missing]);
    for (const c of missing) this.#fetched.add(c);
  }

  async #readTip(commit: string): Promise<Tip> {
    await this.#fetch([commit]);
    const names = (await this.#text(['ls-tree', '-r', '--name-only', commit, '--', 'catalog', 'assets'])).split('\n').filter(Boolean);
    const locations = new Map<string, string>();
    for (const name of names.filter((n) => n.startsWith('catalog/'))) {
      for (const line of (await this.#text(['cat-file', 'blob', `${commit}:${name}`])).split('\n')) {
        const [id, at] = line.split(' ');
        if (id && at && isSnapshotId(id)) locations.set(id, at);
      }
    }
    const own = (await this.#text(['ls-tree', '--name-only', commit, '--', 'entries/']))
      .split('\n')
      .map((n) => n.slice('entries/'.length))
      .filter(isSnapshotId);
    for (const id of own) locations.set(id, commit);
    return { commit, locations, own, assets: names.filter((n) => n.startsWith('assets/')).map((n) => n.slice('assets/'.length)) };
  }

  async #refreshTip(): Promise<Tip | null> {
    const { entries } = await this.#remoteRefs();
    this.#tip = entries ? await this.#readTip(entries) : null;
    return this.#tip;
  }

  async catalog(): Promise<StoreCatalog> {
    const refs = await this.#remoteRefs();
    this.#tip = refs.entries ? await this.#readTip(refs.entries) : null;
    const tip = this.#tip;
    let head: string | null = null;
    if (refs.head) head = await this.#headId(refs.head);
    return {
      ids: tip ? [...tip.locations.keys()].sort() : [],
      assets: tip ? [...tip.assets].sort() : [],
      head,
      locations: tip ? Object.fromEntries(tip.locations) : {},
    };
  }

  async #headId(commit: string): Promise<string | null> {
    await this.#fetch([commit]);
    const name = (await this.#text(['ls-tree', '--name-only', commit])).split('\n').find((n) => /\.json$/.test(n));
    const id = name?.slice(0, -'.json'.length);
    return id && isSnapshotId(id) ? id : null;
  }

  async restoreEntries(ids: readonly string[], into: DirectoryArchive): Promise<void> {
    const tip = this.#tip === undefined ? await this.#refreshTip() : this.#tip;
    const where = (id: string): string => {
      const commit = tip?.locations.get(id);
      if (!commit) throw new Error(`archive store ${this.description}: holds no entry ${id}`);
      return commit;
    };
    await this.#fetch(ids.map(where));
    for (const id of ids) {
      const commit = where(id);
      const manifest = parseManifest(await this.#text(['cat-file', 'blob', `${commit}:entries/${id}/manifest.json`]), id, `${this.description} ${commit}`);
      const blobs = await this.#treeBlobs(commit, `entries/${id}/pages/`);
      const reader = new BlobReader(this.#repo);
      try {
        await into.importEntry(manifest, async (rel) => {
          const blob = blobs.get(rel);
          if (!blob) throw new Error(`archive store ${this.description}: ${id}/${rel} is named in its manifest but not in commit ${commit}`);
          return reader.read(blob);
        });
      } finally {
        reader.close();
      }
    }
  }

  /** path (relative to `prefix`) → blob id, for every file under `prefix` in `commit`. */
  async #treeBlobs(commit: string, prefix: string): Promise<Map<string, string>> {
    const out = await this.#text(['ls-tree', '-r', '-z', commit, '--', prefix]);
    const blobs = new Map<string, string>();
    for (const record of out.split('\0')) {
      const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(record);
      if (m?.[2]?.startsWith(prefix)) blobs.set(m[2].slice(prefix.length), m[1]!);
    }
    return blobs;
  }

  async restoreAssets(assets: readonly string[], into: DirectoryArchive): Promise<void> {
    const tip = this.#tip === undefined ? await this.#refreshTip() : this.#tip;
    if (!tip || assets.length === 0) return;
    const blobs = await this.#treeBlobs(tip.commit, 'assets/');
    const reader = new BlobReader(this.#repo);
    try {
      for (const rel of assets) {
        const blob = blobs.get(rel);
        if (!blob) throw new Error(`archive store ${this.description}: holds no asset ${rel}`);
        await into.importAsset(rel, await reader.read(blob));
      }
    } finally {
      reader.close();
    }
  }

  async readHead(): Promise<{ id: string; json: Buffer } | null> {
    const { head } = await this.#remoteRefs();
    if (!head) return null;
    const id = await this.#headId(head);
    return id ? { id, json: await this.git(['cat-file', 'blob', `${head}:${id}.json`]) } : null;
  }

  async push(batch: PushBatch): Promise<PushReport> {
    const report: PushReport = { added: [], present: [], attempts: 0, head: 'none' };
    let tip = this.#tip === undefined ? await this.#refreshTip() : this.#tip;
    for (;;) {
      report.attempts++;
      const todo = [...batch.ids].filter((id) => !tip?.locations.has(id)).sort();
      report.present = [...batch.ids].filter((id) => tip?.locations.has(id)).sort();
      if (todo.length === 0) break;
      const commit = await this.#commitOnto(tip, todo, batch.archive);
      try {
        await this.git(['push', '-q', '--porcelain', '--', this.#url, `${commit}:refs/heads/${this.#branch}`]);
        report.added = todo;
        this.#tip = undefined;
        break;
      } catch (error) {
        if (!(error instanceof GitError) || !rejected(error) || report.attempts >= MAX_ATTEMPTS) throw error;
        // Another run pushed first: build ours again on top of its commit.
        await pause(report.attempts);
        tip = await this.#refreshTip();
      }
    }
    if (batch.head) report.head = await this.#pushHead(batch.head);
    return report;
  }

  /** A commit holding `ids` (and their assets), with the catalog of everything before, on top of `tip`. */
  async #commitOnto(tip: Tip | null, ids: readonly string[], archive: DirectoryArchive): Promise<string> {
    const scratch = await mkdtemp(path.join(this.#repo, 'scratch-'));
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    try {
      if (tip) {
        await this.git(['read-tree', tip.commit], undefined, env);
        // The tip's own entries stay in its commit; ours lists them in the catalog instead.
        await this.git(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', 'entries'], undefined, env);
      } else {
        await this.git(['read-tree', '--empty'], undefined, env);
      }
      const files: Array<{ path: string; file: string }> = [];
      const haveAssets = new Set(tip?.assets ?? []);
      for (const id of ids) {
        const manifest = await archive.manifest(id);
        if (!manifest) throw new Error(`archive store push: ${id} is not complete in ${archive.root}`);
        files.push({ path: `entries/${id}/manifest.json`, file: path.join(archive.entryDir(id), 'manifest.json') });
        for (const rel of Object.keys(manifest.files)) files.push({ path: `entries/${id}/pages/${rel}`, file: path.join(archive.pagesDir(id), rel) });
        for (const rel of manifest.assets) {
          if (haveAssets.has(rel)) continue;
          haveAssets.add(rel);
          files.push({ path: `assets/${rel}`, file: path.join(archive.assetsDir, rel) });
        }
      }
      // The tip's own entries join the catalog, each month in its own file (unchanged months stay the same objects).
      if (tip && tip.own.length > 0) {
        const changed = new Set(tip.own.map((id) => id.slice(0, 7)));
        const months = new Map<string, string[]>();
        for (const [id, at] of tip.locations) {
          if (!changed.has(id.slice(0, 7))) continue;
          const month = `catalog/${id.slice(0, 7)}.txt`;
          months.set(month, [...(months.get(month) ?? []), `${id} ${at}`]);
        }
        for (const [month, lines] of months) {
          const file = path.join(scratch, month.replace('/', '-'));
          await writeFile(file, `${lines.sort().join('\n')}\n`);
          files.push({ path: month, file });
        }
      }
      const shas = (await this.#text(['hash-object', '-w', '--stdin-paths'], files.map((f) => f.file).join('\n'))).trim().split('\n');
      if (shas.length !== files.length) throw new Error(`archive store ${this.description}: git hash-object gave ${shas.length} ids for ${files.length} files`);
      const info = files.map((f, i) => `100644 ${shas[i]}\t${f.path}`).join('\n');
      await this.git(['update-index', '--add', '--index-info'], `${info}\n`, env);
      const tree = (await this.#text(['write-tree'], undefined, env)).trim();
      const message = `ratchet archive: ${ids.join(', ')}`;
      return (await this.#text(['commit-tree', tree, ...(tip ? ['-p', tip.commit] : []), '-m', message])).trim();
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Replace the head with ours unless a newer one is there; the lease makes a concurrent replacement fail and retry. */
  async #pushHead(head: { id: string; file: string }): Promise<PushReport['head']> {
    for (let attempt = 1; ; attempt++) {
      const { head: current } = await this.#remoteRefs();
      const currentId = current ? await this.#headId(current) : null;
      if (currentId !== null && currentId >= head.id) return 'kept';
      const blob = (await this.#text(['hash-object', '-w', '--', head.file])).trim();
      const tree = (await this.#text(['mktree'], `100644 blob ${blob}\t${head.id}.json\n`)).trim();
      const commit = (await this.#text(['commit-tree', tree, '-m', `ratchet head: ${head.id}`])).trim();
      const ref = `refs/heads/${this.#branch}-head`;
      try {
        await this.git(['push', '-q', '--porcelain', `--force-with-lease=${ref}:${current ?? ''}`, '--', this.#url, `+${commit}:${ref}`]);
        return 'replaced';
      } catch (error) {
        if (!(error instanceof GitError) || !rejected(error) || attempt >= MAX_ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
  }

  async close(): Promise<void> {
    await rm(this.#repo, { recursive: true, force: true });
  }
}

/** A push git refused because the remote moved (another run pushed first, or the lease no longer holds). */
function rejected(error: GitError): boolean {
  return /\[rejected\]|\(fetch first\)|non-fast-forward|stale info|\[remote rejected\].*(lock|cannot lock|failed to update ref)/i.test(
    `${error.message}\n${error.output}`,
  );
}

/** A short, growing, jittered wait before building again on the other run's push. */
function pause(attempt: number): Promise<void> {
  const ms = Math.min(4000, 150 * 2 ** attempt) * (0.5 + randomBytes(1)[0]! / 255);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Blobs read through one `git cat-file --batch`, one at a time (a restore reads hundreds per entry). */
class BlobReader {
  readonly #child: ChildProcessWithoutNullStreams;
  #buffer = Buffer.alloc(0);
  #waiting: (() => void) | undefined;
  #failed: Error | undefined;

  constructor(repo: string) {
    // Kept open: requests go in on stdin, blobs come out on stdout.
    this.#child = spawn('git', ['cat-file', '--batch'], { env: { ...process.env, GIT_DIR: repo, LC_ALL: 'C' } });
    this.#child.stdout.on('data', (d: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, d]);
      this.#waiting?.();
    });
    this.#child.on('error', (error) => {
      this.#failed = error;
      this.#waiting?.();
    });
    this.#child.on('close', () => {
      this.#failed ??= new Error('git cat-file --batch ended early');
      this.#waiting?.();
    });
  }

  async #until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.#failed) throw this.#failed;
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
      });
      this.#waiting = undefined;
    }
  }

  async read(blob: string): Promise<Buffer> {
    this.#child.stdin.write(`${blob}\n`);
    await this.#until(() => this.#buffer.includes(0x0a));
    const eol = this.#buffer.indexOf(0x0a);
    const header = this.#buffer.subarray(0, eol).toString();
    const m = /^([0-9a-f]+) blob (\d+)$/.exec(header);
    if (!m) throw new Error(`git cat-file --batch: unexpected answer "${header}" for ${blob}`);
    const size = Number(m[2]);
    await this.#until(() => this.#buffer.length >= eol + 1 + size + 1);
    const bytes = Buffer.from(this.#buffer.subarray(eol + 1, eol + 1 + size));
    this.#buffer = this.#buffer.subarray(eol + 1 + size + 1);
    return bytes;
  }

  close(): void {
    this.#child.stdin.end();
  }
}
