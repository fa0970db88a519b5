/** @tunelab/dashboard/testing, for tests and benches only: a store filled like a real sweep, and model-free generator and scorer. */
export { makeFixture, serveFixture, fakeGenerator, fakeScorer, fakeHumanTunes, FAKE_HUMAN_SOURCE, type Fixture, type FixtureOptions } from './fixture';
export { addTwoObjectiveSweep, TWO_OBJECTIVE_FRONT, TWO_OBJECTIVE_VECTORS } from './two-objectives';
