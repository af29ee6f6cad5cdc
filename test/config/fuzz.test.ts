// Seeded mutation fuzzing of every config fixture: whatever a user's editor does to a file, a loader either
// loads it or throws a ConfigError whose message starts with the file it is about. Never another
// exception, never a hang. Deterministic: the PRNG is seeded from the fixture's path.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseSourceText, type SourceFile } from '../../src/config/source-file.ts';
import { ConfigError } from '../../src/errors.ts';
import { FIXTURES } from './helpers.ts';
import { configFiles, fnv1a, LOADERS, type Loader, loaderFor, mutate, prng } from './mutations.ts';

const MUTATIONS_PER_FILE = 500;
/** Every n-th mutant goes through the disk and the file loaders; the rest are parsed in memory. */
const WRITE_EVERY = 10;

test('every mutation of every fixture loads or fails with a ConfigError that names its file', {
  timeout: 60_000,
}, async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'azureml-config-fuzz-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await cp(FIXTURES, root, { recursive: true });
  const fixtures = await configFiles(root);
  assert.ok(fixtures.length >= 25, `expected the fixtures to be found (got ${fixtures.length})`);
  const loaders = Object.values(LOADERS);

  const outcomes = { loaded: 0, configErrors: 0 };
  for (const relative of fixtures) {
    const file = path.join(root, relative);
    const original = await readFile(file, 'utf8');
    const random = prng(fnv1a(relative));
    for (let n = 0; n < MUTATIONS_PER_FILE; n++) {
      let text = original;
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) text = mutate(text, random);
      const viaDisk = n % WRITE_EVERY === 0;
      if (viaDisk) writeFileSync(file, text);
      // The loader the file is meant for; every fourth time one other too, so every loader meets every shape.
      const chosen = [loaderFor(relative)];
      if (n % 4 === 0) chosen.push(loaders[Math.floor(random() * loaders.length)] as Loader);
      // One parse serves every loader of an in-memory mutant (loaders do not change what they read).
      let parsed: { source: SourceFile } | { error: unknown } | undefined;
      for (const loader of chosen) {
        try {
          if (viaDisk) loader.fromFile(file);
          else {
            parsed ??= (() => {
              try {
                return { source: parseSourceText(text, file) };
              } catch (error) {
                return { error };
              }
            })();
            if ('error' in parsed) throw parsed.error;
            loader.fromSource(parsed.source);
          }
          outcomes.loaded++;
        } catch (err) {
          if (!(err instanceof ConfigError)) {
            assert.fail(
              `${relative} mutation ${n}: ${loader.name} threw ${(err as Error)?.name}: ${(err as Error)?.message}\n--- input ---\n${text}`,
            );
          }
          outcomes.configErrors++;
          assert.ok(err.message.startsWith(err.file), `${relative} mutation ${n}: ${err.message}`);
          // The file is the mutated one or one it refers to (conda file, environment file), all in the tree.
          assert.ok(
            err.file === file || err.file.startsWith(root),
            `${relative} mutation ${n}: error about ${err.file}`,
          );
        }
      }
    }
    await writeFile(file, original);
  }
  // How long a load takes is measured by bench/config-fuzz.mjs against the unmutated fixtures, not asserted.
  t.diagnostic(`${fixtures.length} fixtures, ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.loaded > 0 && outcomes.configErrors > 0, 'both outcomes occur');
});
