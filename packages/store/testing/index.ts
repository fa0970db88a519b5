/**
 * @tunelab/store/testing: helpers for tests only (the package's code never imports them): small configs for
 * rows, and the one PostgreSQL helper every test that needs PostgreSQL uses.
 */
export { runConfig, sweepConfig, SWEEP_YAML } from './fixtures';
export { pgAdmin, probePostgres, schemaUrl, TEST_PG_URL, testSchemaName, usePostgres, type TestPostgres } from './postgres';
