import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { assertInsideWorkspace } from '../../src/content/workspace-path.ts';
import { UsageError } from '../../src/errors.ts';
import { tempDir } from '../support/tmp.ts';

async function layout(t: import('node:test').TestContext) {
  const dir = await tempDir(t);
  const workspace = path.join(dir, 'ws');
  await mkdir(path.join(workspace, 'model'), { recursive: true });
  await mkdir(path.join(dir, 'elsewhere'));
  await writeFile(path.join(dir, 'elsewhere', 'secret.txt'), 's');
  return { dir, workspace };
}

test('paths inside GITHUB_WORKSPACE pass, relative or absolute', async (t) => {
  const { workspace } = await layout(t);
  await assertInsideWorkspace('model', { workspace, input: 'model-path', cwd: workspace });
  await assertInsideWorkspace(path.join(workspace, 'model'), { workspace, input: 'model-path' });
  await assertInsideWorkspace('.', { workspace, input: 'model-path', cwd: workspace });
});

test('a path outside, directly, by .. or through a symlink, is a usage error naming the input', async (t) => {
  const { dir, workspace } = await layout(t);
  await symlink(path.join(dir, 'elsewhere'), path.join(workspace, 'linked'));
  for (const p of [path.join(dir, 'elsewhere'), '../elsewhere/secret.txt', 'linked']) {
    await assert.rejects(
      assertInsideWorkspace(p, { workspace, input: 'model-path', cwd: workspace }),
      (err) => {
        assert.ok(err instanceof UsageError);
        assert.equal(err.input, 'model-path');
        assert.match(err.message, /^model-path: '.*' .*is outside GITHUB_WORKSPACE/);
        return true;
      },
    );
  }
  await assert.rejects(
    assertInsideWorkspace('linked', { workspace, input: 'code-path', cwd: workspace }),
    /code-path: 'linked' \(resolving to '.*elsewhere'\) is outside/,
  );
});

test('allowed when the caller opts out, off a runner, or when the path does not exist (the loader names it)', async (t) => {
  const { dir, workspace } = await layout(t);
  const outside = path.join(dir, 'elsewhere');
  await assertInsideWorkspace(outside, { workspace, input: 'model-path', allowOutside: true });
  await assertInsideWorkspace(outside, { workspace: undefined, input: 'model-path' });
  await assertInsideWorkspace(path.join(dir, 'missing'), { workspace, input: 'model-path' });
});
