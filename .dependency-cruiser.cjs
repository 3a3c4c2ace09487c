// The layer contract of docs/architecture.md, checked by `npm run deps` (and so by `npm test`).
// One `forbidden` rule per row of the table "what each folder may import": a rule names what a folder
// may import and forbids every other Ratchet module, so a new folder is forbidden until the table and
// this file both name it. version.ts imports nothing, so every layer may read it, as it may read util.
// test/house-rules.test.ts plants one violation of each kind of rule in a scratch tree and sees it caught.

/** A path regex for each folder, as the table names it (src/site/ must not match src/site-build/). */
const at = {
  util: '^src/util/',
  version: '^src/version[.]ts$',
  config: '^src/config/',
  source: '^src/source/',
  ingest: '^src/ingest/',
  snapshot: '^src/snapshot/',
  analysis: '^src/analysis/',
  store: '^src/store/',
  alerts: '^src/alerts/',
  site: '^src/site/',
  siteLib: '^src/site/lib/',
  siteBuild: '^src/site-build/',
  serve: '^src/serve/',
  sample: '^src/sample/',
  pipeline: '^src/pipeline[.]ts$',
  cli: '^src/cli/',
};

/**
 * A folder's rule: it may import itself, util, version.ts and the folders in `allowed`; any other module
 * of this repository (src, test, scripts, bench, data) is forbidden. npm packages and node's core
 * modules are not this rule's business.
 */
function layer(name, from, allowed, comment) {
  return {
    name,
    severity: 'error',
    comment,
    from: { path: from },
    to: { dependencyTypes: ['local'], pathNot: [from, at.util, at.version, ...allowed] },
  };
}

/** Node's modules that touch files, the network, processes or threads: analysis must stay pure. */
const IO_CORE_MODULES = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'dns', 'child_process', 'worker_threads', 'cluster'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    layer('util-imports-nothing', at.util, [], 'util/ sits beneath every layer: it imports nothing of Ratchet, so any layer can use it without a cycle.'),
    {
      name: 'version-imports-nothing',
      severity: 'error',
      comment: 'version.ts is a constant every layer may read; importing anything would pull that into every layer.',
      from: { path: at.version },
      to: { dependencyTypes: ['local'] },
    },
    layer('config-imports-only-util', at.config, [], 'config/ (schema, loader, run plan) is read by every stage, so it may depend on util alone.'),
    layer('source-imports-only-config-util', at.source, [at.config], 'source/ (bucket access) knows nothing of the stages that read it.'),
    layer(
      'ingest-imports-only-source-config-util',
      at.ingest,
      [at.source, at.config],
      'ingest/ turns bucket objects into run records; it never reaches ahead to analysis or the site.',
    ),
    layer(
      'snapshot-imports-only-config-util',
      at.snapshot,
      [at.config],
      'snapshot/ is the one contract between analysis and the site; it must not depend on either side of it.',
    ),
    layer(
      'analysis-imports-only-ingest-snapshot-config-util',
      at.analysis,
      [at.ingest, at.snapshot, at.config],
      'analysis/ reads run records and writes a snapshot; it never reads the bucket, the store or the site.',
    ),
    layer(
      'store-imports-only-snapshot-config-util',
      at.store,
      [at.snapshot, at.config],
      'store/ keeps snapshots and published pages on disk; it knows no stage.',
    ),
    layer(
      'site-imports-only-store-snapshot-util',
      at.site,
      [at.store, at.snapshot],
      'site/ (Astro) renders snapshots it loads through store; it never runs a stage or reads config.',
    ),
    layer(
      'site-build-imports-only-site-lib-store-snapshot-config-util',
      at.siteBuild,
      [at.siteLib, at.store, at.snapshot, at.config],
      'site-build/ drives Astro from outside; of the site it may use only site/lib, never pages or components.',
    ),
    layer(
      'alerts-imports-only-snapshot-config-util',
      at.alerts,
      [at.snapshot, at.config],
      'alerts/ tells owners about a finished snapshot over the network; it reads the snapshot and the plan, never a stage, the store or the site.',
    ),
    layer('serve-imports-only-util', at.serve, [], 'serve/ (the preview server) serves a built directory and knows nothing else.'),
    layer('sample-imports-only-util', at.sample, [], 'sample/ generates a bucket like a real one; it must not borrow the parsers it is there to test.'),
    {
      name: 'pipeline-imports-no-cli-site-serve-sample',
      severity: 'error',
      comment: 'pipeline.ts composes the stages; the CLI calls it (not the other way), and the site, preview server and sample sit outside it.',
      from: { path: at.pipeline },
      to: { dependencyTypes: ['local'], path: [at.cli, at.site, at.serve, at.sample] },
    },
    layer(
      'cli-imports-only-pipeline-config-serve-util',
      at.cli,
      [at.pipeline, at.config, at.serve],
      'cli/ parses flags, resolves the plan and calls the pipeline; it reaches no stage directly.',
    ),
    {
      name: 'src-imports-no-test-scripts-bench',
      severity: 'error',
      comment: 'Ratchet itself never depends on its tests, scripts or benches (they may import any module, not the other way).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['local'], pathNot: '^src/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles at all, type-only imports included: a cycle makes load order matter and layers impossible to peel apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves to a file or a package: a typo or a deleted module fails here, not at run time.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'analysis-no-io',
      severity: 'error',
      comment: 'Analysis is pure: the same records, plan and previous snapshot give the same snapshot, so it reads no file, socket, process or thread.',
      from: { path: at.analysis },
      to: { dependencyTypes: ['core'], path: `^(node:)?(${IO_CORE_MODULES.join('|')})$` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle or an upward import through types is still a cycle or upward.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    // dependency-cruiser has no Astro parser: imports inside .astro components and pages are not seen
    // here, only those of the site's .ts modules (site/lib, scripts, .ts pages).
  },
};
