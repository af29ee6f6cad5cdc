import { runCli } from './main.ts';

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => abort.abort(new Error(`received ${sig}`)));
process.exitCode = await runCli(process.argv.slice(2), {
  streams: { stdout: process.stdout, stderr: process.stderr },
  env: process.env,
  cwd: process.cwd(),
  signal: abort.signal,
});
