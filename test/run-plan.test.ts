/**
 * The run plan resolves flags, the config file and defaults once: precedence, paths, windows from one
 * rule, validation of flag values, and a plan that cannot be changed afterwards.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/config-schema.ts';
import { PROJECT_ROOT } from '../src/config/output-paths.ts';
import { DEFAULT_OBJECT_LIMITS, resolvePlan, resolveWindows } from '../src/config/run-plan.ts';
import { UsageError } from '../src/util/errors.ts';

const DAY = 86_400_000;
const AS_OF = '2026-11-28T06:00:00.000Z';
const T = Date.parse(AS_OF);
const loaded = (config: unknown, baseDir = '/etc/ratchet') => ({
  config: configSchema.parse(config),
  file: path.join(baseDir, 'ratchet.config.json'),
  baseDir,
});

describe('resolvePlan', () => {
  it('lets a flag beat the config file and the config file beat the default', () => {
    const config = { asOf: '2026-01-01T00:00:00Z', gcs: { concurrency: 8, workers: 1, deadlineMinutes: 30 } };
    const fromConfig = resolvePlan(loaded(config), {}, '/work');
    expect(fromConfig.analysis.asOf.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(fromConfig.fetch).toEqual({ concurrency: 8, workers: 1, deadlineMinutes: 30, limits: DEFAULT_OBJECT_LIMITS });
    const fromFlags = resolvePlan(loaded(config), { asOf: AS_OF, concurrency: '4', workers: '0', deadline: '5' }, '/work');
    expect(fromFlags.analysis.asOf.toISOString()).toBe(AS_OF);
    expect(fromFlags.fetch).toEqual({ concurrency: 4, workers: 0, deadlineMinutes: 5, limits: DEFAULT_OBJECT_LIMITS });
    expect(resolvePlan(loaded({}), { asOf: AS_OF }).fetch).toEqual({ limits: DEFAULT_OBJECT_LIMITS });
  });

  it('resolves the object size limits to bytes: 16 MB for run metadata and none for JUnit by default', () => {
    expect(DEFAULT_OBJECT_LIMITS).toEqual({
      metadataBytes: 16 * 2 ** 20,
      disruptionBytes: 32 * 2 ** 20,
      clusterDataBytes: 2 ** 20,
      junitBytes: null,
      jsonDepth: 64,
    });
    const plan = resolvePlan(loaded({ limits: { metadataMB: 0.5, junitMB: 100, disruptionMB: null, jsonDepth: 20 } }), { asOf: AS_OF });
    expect(plan.fetch.limits).toEqual({ metadataBytes: 2 ** 19, disruptionBytes: null, clusterDataBytes: 2 ** 20, junitBytes: 100 * 2 ** 20, jsonDepth: 20 });
    expect(() => configSchema.parse({ limits: { metadataMB: 0 } })).toThrow();
    expect(() => configSchema.parse({ limits: { jsonDepth: 1 } })).toThrow();
  });

  it('resolves config paths against the config folder and flag paths against the working directory', () => {
    const config = { source: './bucket', out: 'site-out', cache: '../cache', disruption: { historicalBasis: 'history.json' } };
    const plan = resolvePlan(loaded(config), { asOf: AS_OF }, '/work');
    expect(plan.source.location).toBe('/etc/ratchet/bucket');
    expect(plan.paths.snapshots).toBe('/etc/ratchet/site-out/snapshots');
    expect(plan.paths.cache).toBe('/etc/cache');
    expect(plan.disruptionHistory).toEqual({ file: '/etc/ratchet/history.json', name: 'history.json' });
    const flagged = resolvePlan(loaded(config), { asOf: AS_OF, source: 'trees/a', out: 'o', cache: 'c' }, '/work');
    expect(flagged.source.location).toBe('/work/trees/a');
    expect(flagged.paths).toEqual({
      snapshots: '/work/o/snapshots',
      archive: '/work/o/archive',
      site: '/work/o/site',
      cache: '/work/c',
      lock: '/work/o/.ratchet.lock',
      alerts: '/work/o/alerts/state.json',
    });
    expect(resolvePlan(loaded({ source: 'gs://test-platform-results/logs' }), { asOf: AS_OF }).source.location).toBe('gs://test-platform-results/logs');
  });

  it("uses the project's folders without --out, and no source when none is named", () => {
    const plan = resolvePlan(loaded({}), { asOf: AS_OF });
    expect(plan.paths.snapshots).toBe(path.join(PROJECT_ROOT, 'data', 'snapshots'));
    expect(plan.paths.site).toBe(path.join(PROJECT_ROOT, 'dist'));
    expect(plan.source.location).toBeNull();
    expect(plan.site).toEqual({ base: '/', url: 'https://example.github.io' });
    expect(resolvePlan(loaded({}), { asOf: AS_OF, base: 'ratchet', site: 'https://org.github.io' }).site).toEqual({
      base: '/ratchet/',
      url: 'https://org.github.io',
    });
  });

  it('refuses flag values that are not what they should be, naming the flag', () => {
    expect(() => resolvePlan(loaded({}), { asOf: 'yesterday' })).toThrow(UsageError);
    expect(() => resolvePlan(loaded({}), { asOf: 'yesterday' })).toThrow(/--as-of "yesterday"/);
    expect(() => resolvePlan(loaded({}), { concurrency: '0' })).toThrow(/--concurrency 0: expected a whole number from 1 to 512/);
    expect(() => resolvePlan(loaded({}), { workers: '2.5' })).toThrow(/--workers 2.5/);
    expect(() => resolvePlan(loaded({}), { deadline: '-1' })).toThrow(/--deadline -1/);
  });

  it('takes the archive store from --archive-store over archive.store, a directory resolved as other paths are', () => {
    // A config's directory store is relative to the config's folder; the flag's to the working directory.
    expect(resolvePlan(loaded({ archive: { store: 'history' } }), { asOf: AS_OF }, '/work').archive.store).toBe('/etc/ratchet/history');
    expect(resolvePlan(loaded({ archive: { store: 'history' } }), { asOf: AS_OF, archiveStore: 'mine' }, '/work').archive.store).toBe('/work/mine');
    // git+ and gs:// are kept as written; no store at all is null.
    const git = 'git+https://github.com/org/repo.git#ratchet-archive';
    expect(resolvePlan(loaded({ archive: { store: git } }), { asOf: AS_OF }).archive.store).toBe(git);
    expect(resolvePlan(loaded({}), { asOf: AS_OF, archiveStore: 'gs://bucket/ratchet' }).archive.store).toBe('gs://bucket/ratchet');
    expect(resolvePlan(loaded({}), { asOf: AS_OF }).archive).toMatchObject({ store: null, pagesDays: 14, intraDay: 'light', stagePush: null });
    expect(() => resolvePlan(loaded({}), { asOf: AS_OF, archiveStore: 'https://example.com/store' })).toThrow(
      /expected a directory, git\+<repository url>#<branch> or gs:/,
    );
  });

  it('stages a push only into a store it has', () => {
    expect(() => resolvePlan(loaded({}), { asOf: AS_OF, stagePush: 'staged' }, '/work')).toThrow(/--stage-push needs an archive store/);
    expect(resolvePlan(loaded({}), { asOf: AS_OF, archiveStore: 'store', stagePush: 'staged' }, '/work').archive.stagePush).toBe('/work/staged');
  });

  it('is frozen all the way down', () => {
    const plan = resolvePlan(loaded({ jobs: { include: ['aws'] } }), { asOf: AS_OF });
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.analysis.windows.current)).toBe(true);
    expect(Object.isFrozen(plan.analysis.regressions.ratchet)).toBe(true);
    expect(() => {
      (plan.fetch as { concurrency?: number }).concurrency = 3;
    }).toThrow(TypeError);
    expect(plan.jobs.include[0]!.test('e2e-aws-ovn')).toBe(true);
  });
});

describe('resolveWindows: every window from one rule', () => {
  const windows = (config: unknown) => resolveWindows(configSchema.parse(config), new Date(T));

  it('ends the sample at as-of, the previous window and the 30-day basis where the sample starts', () => {
    const w = windows({});
    expect(w.current).toEqual({ start: T - 7 * DAY, end: T });
    expect(w.previous).toEqual({ start: T - 14 * DAY, end: T - 7 * DAY });
    expect(w.basis).toEqual({ start: T - 37 * DAY, end: T - 7 * DAY });
    expect(w.lookbackStart).toBe(T - 37 * DAY);
  });

  it('scans windows that end at as-of, shortest first, each labelled as the config wrote it', () => {
    const w = windows({});
    expect(w.scan.map((x) => x.label)).toEqual(['6h', '12h', '24h', '3d', '7d']);
    expect(w.scan[0]).toEqual({ start: T - 6 * 3_600_000, end: T, label: '6h' });
    expect(w.scan.at(-1)).toEqual({ start: T - 7 * DAY, end: T, label: '7d' });
    // Unordered and repeated lengths come out sorted and once.
    expect(windows({ regressions: { windows: ['3d', '72h', 1, '12h'] } }).scan.map((x) => x.label)).toEqual(['12h', '1d', '3d']);
  });

  it('refuses a scan window longer than the current window', () => {
    expect(() => windows({ regressions: { windows: ['14d'] } })).toThrow(/regressions\.windows: "14d" is longer than windows\.current/);
  });

  it('looks back as far as the longer of the previous and basis windows', () => {
    expect(windows({ regressions: { basis: '7d' } }).lookbackStart).toBe(T - 14 * DAY);
    expect(windows({ windows: { previous: '14d' }, regressions: { basis: '2d' } }).lookbackStart).toBe(T - 21 * DAY);
  });

  it('pins the basis to a fixed range, which must end before the sample starts', () => {
    const w = windows({ regressions: { basis: { from: '2026-09-01T00:00:00Z', to: '2026-10-01T00:00:00Z' } } });
    expect(w.basis).toEqual({ start: Date.parse('2026-09-01T00:00:00Z'), end: Date.parse('2026-10-01T00:00:00Z') });
    expect(w.lookbackStart).toBe(Date.parse('2026-09-01T00:00:00Z'));
    expect(() => windows({ regressions: { basis: { from: '2026-11-01T00:00:00Z', to: '2026-11-27T00:00:00Z' } } })).toThrow(/after the current window starts/);
    expect(() => windows({ regressions: { basis: { from: '2026-10-01T00:00:00Z', to: '2026-09-01T00:00:00Z' } } })).toThrow(/must be before/);
  });
});
