// A GitHub Actions OIDC ID token for the CLI run from a `run:` step of a job with `permissions: id-token:
// write`, as @actions/core's getIDToken does it (the CLI does not use @actions/core): GET
// `${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=<audience>` with `Authorization: Bearer
// ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}`, answer `{"value": "<jwt>"}`. Loaded only when a token is asked for.

import type { Dispatcher } from 'undici';

export interface IdTokenRequest {
  /** ACTIONS_ID_TOKEN_REQUEST_URL (it already carries a query string). */
  url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN: a secret; never part of a message. */
  requestToken: string;
  audience: string | undefined;
  /** For the proxy variables. */
  env: Readonly<Record<string, string | undefined>>;
  /** Attempts for network errors and 5xx/429 answers (default 3). */
  attempts?: number;
  /** Between attempts; default 1 s, 2 s, ... */
  sleep?: (ms: number) => Promise<void>;
}

export async function requestGithubIdToken(req: IdTokenRequest): Promise<string> {
  const { request } = await import('undici');
  const { createDispatcher } = await import('../azure/http-dispatcher.ts');
  let url = req.url;
  if (req.audience) url += `${url.includes('?') ? '&' : '?'}audience=${encodeURIComponent(req.audience)}`;
  const attempts = req.attempts ?? 3;
  const sleep = req.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const dispatcher: Dispatcher = createDispatcher(req.env, {
    headersTimeoutMs: 30_000,
    bodyTimeoutMs: 30_000,
  });
  const once = async (): Promise<{ token: string } | { problem: string; retry: boolean }> => {
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(url, {
        method: 'GET',
        dispatcher,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${req.requestToken}`,
          'user-agent': 'azureml-deploy-cli',
        },
      });
      text = await res.body.text();
    } catch (error) {
      return {
        problem: `could not reach GitHub's ID token endpoint (${(error as Error).message})`,
        retry: true,
      };
    }
    if (res.statusCode !== 200) {
      return {
        problem: `GitHub's ID token endpoint answered HTTP ${res.statusCode}${statusHint(res.statusCode)}`,
        retry: res.statusCode >= 500 || res.statusCode === 429,
      };
    }
    let value: unknown;
    try {
      value = (JSON.parse(text) as { value?: unknown }).value;
    } catch {
      value = undefined;
    }
    if (typeof value === 'string' && value !== '') return { token: value };
    return {
      problem: "GitHub's ID token endpoint answered without a token (no `value` in its JSON)",
      retry: false,
    };
  };
  try {
    for (let attempt = 1; ; attempt++) {
      const result = await once();
      if ('token' in result) return result.token;
      if (!result.retry || attempt >= attempts) throw new Error(result.problem);
      await sleep(1000 * attempt);
    }
  } finally {
    await dispatcher.close();
  }
}

function statusHint(status: number): string {
  if (status === 401 || status === 403)
    return ' (ACTIONS_ID_TOKEN_REQUEST_TOKEN was refused: it is only valid in the job that set it)';
  return '';
}
