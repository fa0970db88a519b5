import { describe, expect, test } from 'vitest';
import { ApiError, createFetchApi } from './api-client';

function fakeFetch(responses: Record<string, { status: number; body: unknown }>) {
  const asked: string[] = [];
  const impl = (async (url: string, init?: RequestInit) => {
    asked.push(`${init?.method ?? 'GET'} ${url}${init?.body ? ` ${init.body}` : ''}`);
    const r = responses[url] ?? { status: 404, body: { error: 'No route' } };
    return new Response(JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { impl, asked };
}

describe('createFetchApi', () => {
  test('builds URLs with encoded ids and query strings, posts JSON', async () => {
    const { impl, asked } = fakeFetch({
      '/api/sweeps/sw-1/trials?sort=best&limit=5': { status: 200, body: { trials: [], total: 0, offset: 0, limit: 5 } },
      '/api/generate': { status: 200, body: { samples: [], ms: 1 } },
    });
    const api = createFetchApi('', impl);
    await api.listTrials('sw-1', { sort: 'best', limit: 5, status: undefined });
    await api.generate({ checkpointId: 'c1', n: 1, temperature: 1, maxLength: 100 });
    expect(asked).toEqual(['GET /api/sweeps/sw-1/trials?sort=best&limit=5', 'POST /api/generate {"checkpointId":"c1","n":1,"temperature":1,"maxLength":100}']);
    expect(api.sampleUrl('sa-1', 'mid')).toBe('/api/samples/sa-1.mid');
  });

  test('a 4xx becomes an ApiError with the server’s message and field', async () => {
    const { impl } = fakeFetch({ '/api/generate': { status: 400, body: { error: 'body.n must be <= 10', where: 'body.n' } } });
    const err = await createFetchApi('', impl)
      .generate({ checkpointId: 'c1', n: 11, temperature: 1, maxLength: 100 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, message: 'body.n must be <= 10', where: 'body.n' });
  });

  test('requests index.html started are used once; a failed one is asked again', async () => {
    const { impl, asked } = fakeFetch({ '/api/aliases': { status: 200, body: { aliases: [] } }, '/api/sweeps/sw-1': { status: 200, body: { id: 'sw-1' } } });
    const failed = Promise.reject(new Error('500'));
    failed.catch(() => {});
    const api = createFetchApi('', impl, { '/api/aliases': Promise.resolve({ aliases: ['early'] }), '/api/sweeps/sw-1': failed });
    expect(await api.listAliases()).toEqual({ aliases: ['early'] });
    expect(asked).toEqual([]);
    expect(await api.listAliases()).toEqual({ aliases: [] });
    expect(await api.getSweep('sw-1')).toEqual({ id: 'sw-1' });
    expect(asked).toEqual(['GET /api/aliases', 'GET /api/sweeps/sw-1']);
  });
});
