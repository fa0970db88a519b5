/**
 * @tunelab/dashboard — the fastify API + React UI for comparing runs, hearing checkpoints and promoting
 * the best. `apps/cli` calls `startDashboard` (`tunelab dashboard`) and `promoteCheckpoint` (`tunelab promote`).
 */
export { startDashboard, DEFAULT_HOST, DEFAULT_PORT, type ServeOptions, type RunningDashboard } from './server/server';
export { buildApp, dashboardPlugin, UI_DIST, type DashboardOptions } from './server/app';
export { promoteCheckpoint, bestCheckpointOf, DEFAULT_ALIAS, type PromoteInput, type PromoteResult } from './promote';
export { modelGenerator, modelTestLoss, type TuneGenerator, type TuneScorer, type TestLossEvaluator, type GenerateJob, type GenerateSettings } from './server/generation';
export { GenerationQueue, type QueueOptions } from './server/queue';
export { sweepRatings } from './server/routes/listening';
export { buildUi, uiIsStale, type BuildUiOptions } from './ui-build';
