// One undici dispatcher per run: a plain Agent, or EnvHttpProxyAgent when the environment names a proxy;
// with AZUREML_DEPLOY_RECORD set, wrapped by the recorder (src/azure/recorder.ts). The environment is passed
// in (not read from process.env) so tests and callers decide.

import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import { recorderFor, setAmbientRecorder } from './recorder.ts';

export interface DispatcherTimeouts {
  /** TCP + TLS connect. Default 10 s. */
  connectTimeoutMs?: number;
  /** Until the response headers arrive. Default 120 s (ARM answers slow PUTs late). */
  headersTimeoutMs?: number;
  /** Between body chunks. Default 120 s. */
  bodyTimeoutMs?: number;
}

export function createDispatcher(
  env: Readonly<Record<string, string | undefined>>,
  timeouts: DispatcherTimeouts = {},
): Dispatcher {
  const recorder = recorderFor(env);
  // The run's other requests (the smoke test's) report to the same recorder, or to none.
  setAmbientRecorder(recorder);
  const dispatcher = createAgent(env, timeouts);
  return recorder ? recorder.wrap(dispatcher) : dispatcher;
}

function createAgent(
  env: Readonly<Record<string, string | undefined>>,
  timeouts: DispatcherTimeouts,
): Dispatcher {
  const options = {
    connect: { timeout: timeouts.connectTimeoutMs ?? 10_000 },
    headersTimeout: timeouts.headersTimeoutMs ?? 120_000,
    bodyTimeout: timeouts.bodyTimeoutMs ?? 120_000,
  };
  const httpProxy = env.HTTP_PROXY ?? env.http_proxy ?? '';
  const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy ?? '';
  if (!httpProxy && !httpsProxy) return new Agent(options);
  // Empty strings (not undefined) so undici does not fall back to process.env.
  return new EnvHttpProxyAgent({
    ...options,
    httpProxy,
    httpsProxy,
    noProxy: env.NO_PROXY ?? env.no_proxy ?? '',
  });
}
