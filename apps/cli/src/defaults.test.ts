import { describe, expect, it } from 'vitest';
import * as defaults from './defaults';
import { dashboard, dataset } from './lazy';

describe('cli defaults', () => {
  it('equal the library constants they copy', async () => {
    const ds = await dataset();
    expect(defaults.NOTTINGHAM).toBe(ds.NOTTINGHAM);
    expect(defaults.SEED_BATCH).toEqual(ds.SEED_BATCH);
    const db = await dashboard();
    expect(defaults.DASHBOARD_HOST).toBe(db.DEFAULT_HOST);
    expect(defaults.DASHBOARD_PORT).toBe(db.DEFAULT_PORT);
    expect(defaults.DEFAULT_ALIAS).toBe(db.DEFAULT_ALIAS);
  });
});
