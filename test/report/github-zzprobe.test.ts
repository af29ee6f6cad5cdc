import nock from 'nock';
import { getOctokit } from '@actions/github';
import { test } from 'node:test';
const o = getOctokit('tok', { baseUrl: 'https://api.example.test' });
const t3 = () => ({ request: { signal: AbortSignal.timeout(2000) } });
nock.disableNetConnect();
test('static with body matcher', async () => {
  const s = nock('https://api.example.test').post('/b', (b) => { console.log('matcher saw', b); return true; }).reply(201, {ok: 1});
  console.log((await o.request('POST /b', {x: 1, ...t3()})).data); s.done();
});
test('fn without args', async () => {
  const s = nock('https://api.example.test').post('/b').reply(201, () => ({ok: 2}));
  console.log((await o.request('POST /b', {x: 1, ...t3()})).data); s.done();
});
test('fn 2 args', async () => {
  const s = nock('https://api.example.test').post('/b').reply(201, (u, b) => ({ok: 3, b}));
  console.log((await o.request('POST /b', {x: 1, ...t3()})).data); s.done();
});
test('global fetch fn 2 args', async () => {
  const s = nock('https://api.example.test').post('/b').reply(201, (u, b) => ({ok: 4, b}));
  const r = await fetch('https://api.example.test/b', {method: 'POST', body: '{"x":1}', headers: {'content-type': 'application/json'}, signal: AbortSignal.timeout(2000)});
  console.log(await r.json()); s.done();
});
test('no signal, fn 2 args', async () => {
  const s = nock('https://api.example.test').post('/b').reply(201, (u, b) => ({ok: 5, b}));
  console.log((await o.request('POST /b', {x: 1})).data); s.done();
});
