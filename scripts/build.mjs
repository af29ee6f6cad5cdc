// Bundles every action and the CLI into dist/ (one self-contained ESM file each, Node 20+), copies the
// local host, and regenerates each action.yml from the action definitions.
// Runs on Node 24 (npm scripts use node_modules/.bin/node), which imports the .ts sources directly.

import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadAllActions } from '../src/actions/all-actions.ts';
import { readmeFile, renderAllActionYml, updateReadme } from './action-metadata.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  'register-model': 'src/actions/register-model/index.ts',
  'deploy-model': 'src/actions/deploy-model/index.ts',
  'smoke-test-service': 'src/actions/smoke-test-service/index.ts',
  'delete-service': 'src/actions/delete-service/index.ts',
  pipeline: 'src/actions/pipeline/index.ts',
  cli: 'src/cli/index.ts',
};

// @actions/core imports its OIDC client (and with it @actions/http-client and undici) at load time, which is
// most of an action's start-up. Only getIDToken needs it: serve core a stand-in that loads the real module on
// first use (a separate chunk).
const lazyOidc = {
  name: 'lazy-actions-oidc',
  setup(b) {
    b.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) => {
      if (!args.importer.includes(`${path.sep}@actions${path.sep}core${path.sep}`)) return undefined;
      // A file of ours (not a virtual module): chunk names then do not depend on where the repo is checked out.
      return { path: path.join(root, 'scripts/shims/actions-core-oidc.js') };
    });
  },
};

// The config loaders use zod's classic API, the input parsers zod/mini. Bundled together, esbuild's splitting
// would put zod's whole shared core into a chunk every action loads at start. Classic zod is therefore bundled
// on its own (dist/vendor/zod.js) and loaded only with the config loaders; zod/mini stays small and inline.
const separateZod = {
  name: 'separate-classic-zod',
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, () => ({ path: '../vendor/zod.js', external: true }));
  },
};

/** What every bundle shares: self-contained ESM for Node 20+ (the zero-install demo runs on the system node). */
const common = {
  absWorkingDir: root,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'linked',
  charset: 'utf8',
  logLevel: 'warning',
};

await rm(path.join(root, 'dist'), { recursive: true, force: true });
await build({ ...common, entryPoints: { 'vendor/zod': 'node_modules/zod/index.js' } });
await build({
  ...common,
  plugins: [lazyOidc, separateZod],
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [`${name}/index`, file])),
  // Bundled CommonJS dependencies call require(); ESM output has none without this.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
await mkdir(path.join(root, 'dist/local-host'), { recursive: true });
// host.py and the Python modules it loads beside itself (azureml_local_mlflow.py for --mlflow-model).
for (const file of (await readdir(path.join(root, 'src/local-host'))).filter((f) => f.endsWith('.py'))) {
  await copyFile(path.join(root, 'src/local-host', file), path.join(root, 'dist/local-host', file));
}

for (const { file, text } of await renderAllActionYml()) {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), text);
}
for (const def of await loadAllActions()) {
  const file = path.join(root, readmeFile(def));
  const text = await readFile(file, 'utf8');
  const updated = updateReadme(text, def, readmeFile(def));
  if (updated !== text) await writeFile(file, updated);
}
console.log(
  `built ${Object.keys(entries).length} bundles into dist/ and regenerated action.yml files and README input tables`,
);
