import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Store } from '@tunelab/store';
import type { DashboardContext } from './context';
import { installErrorHandler } from './errors';
import { installGuards } from './guard';
import { MidiRenderer, type MidiOptions } from './midi';
import { modelGenerator, modelTestLoss, type TestLossEvaluator, type TuneGenerator, type TuneScorer } from './generation';
import { GenerationQueue, type QueueOptions } from './queue';
import { evalScorer } from './scoring';
import { aliasRoutes } from './routes/aliases';
import { corpusHumanTunes, type HumanTuneProvider } from './human-tunes';
import { listeningRoutes } from './routes/listening';
import { sampleRoutes } from './routes/samples';
import { sweepRoutes } from './routes/sweeps';
import { eventRoutes, type EventRouteOptions } from './routes/events';
import { trialRoutes } from './routes/trials';

/** Where `vite build` puts the UI: apps/dashboard/dist. */
export const UI_DIST = fileURLToPath(new URL('../../dist', import.meta.url));

export interface DashboardOptions {
  /** The read-only connection every GET uses. */
  reader: Store;
  /** Opens (once) the writable connection for samples and promotions; default: the reader itself. */
  writer?: () => Promise<Store>;
  generator?: TuneGenerator;
  scorer?: TuneScorer;
  testLoss?: TestLossEvaluator;
  queue?: QueueOptions;
  /** The built UI; null serves the API only. Default: apps/dashboard/dist when it holds index.html. */
  uiDir?: string | null;
  /** The address the server listens on (one of the names a request's Host may give). */
  listenHost?: string;
  /** More names a request's Host may give (`--allowed-hosts`): `name` or `name:port`. */
  allowedHosts?: readonly string[];
  /** Where checkpoints stored in the database are written to be loaded; default `<TUNELAB_HOME>/cache/checkpoints`. */
  checkpointCache?: string;
  /** `.mid` rendering: abc2midi processes at once and requests that may wait. */
  midi?: MidiOptions;
  /** The held-out human tunes for blind listening; default: the test split of the sweep's corpus. */
  humanTunes?: HumanTuneProvider;
  /** The live sweep feed (`GET /api/sweeps/:id/events`): how often each stream reads the store. */
  events?: EventRouteOptions;
}

/**
 * The dashboard as a fastify plugin: OpenAPI at /docs, the JSON API under /api, the built UI at /.
 * Everything it needs comes in through options, so tests hand it a store and a fake generator.
 */
export async function dashboardPlugin(app: FastifyInstance, opts: DashboardOptions): Promise<void> {
  const ctx: DashboardContext = {
    reader: opts.reader,
    writer: opts.writer ?? (async () => opts.reader),
    generator: opts.generator ?? modelGenerator(),
    scorer: opts.scorer ?? evalScorer(),
    testLoss: opts.testLoss ?? modelTestLoss,
    queue: new GenerationQueue(opts.queue),
    midi: new MidiRenderer(opts.midi),
    checkpointCache: opts.checkpointCache,
    humanTunes: opts.humanTunes ?? corpusHumanTunes(),
  };
  const uiDir = opts.uiDir === undefined ? (existsSync(`${UI_DIST}/index.html`) ? UI_DIST : null) : opts.uiDir;
  // First: Host and Origin are checked before anything else runs, and every answer forbids framing.
  installGuards(app, { listenHost: opts.listenHost, allowedHosts: opts.allowedHosts, uiDir });
  app.addHook('onClose', async () => {
    await ctx.generator.close?.();
  });
  installErrorHandler(app);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'tunelab dashboard', version: '0.1.0', description: 'Sweeps, trials, metrics, checkpoints, samples and aliases' },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await sweepRoutes(app, ctx);
  await eventRoutes(app, ctx, opts.events);
  await trialRoutes(app, ctx);
  await sampleRoutes(app, ctx);
  await aliasRoutes(app, ctx);
  await listeningRoutes(app, ctx);
  app.get('/api/health', { schema: { summary: 'The server answers', tags: ['meta'], response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }));

  if (uiDir) {
    await app.register(fastifyStatic, { root: uiDir, prefix: '/', index: ['index.html'], wildcard: true });
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain').send('The dashboard UI is not built: run `npx nx run dashboard:serve` (it builds it) or see /docs for the API.\n'),
    );
  }
}

/** A fastify instance with the dashboard registered and ready (tests call `app.inject()` on it). */
export async function buildApp(opts: DashboardOptions, server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...server });
  await app.register(dashboardPlugin, opts);
  await app.ready();
  return app;
}
