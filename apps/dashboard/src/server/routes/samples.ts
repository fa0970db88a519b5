import { randomInt } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { meterChoice, NOTTINGHAM_METERS } from '@tunelab/abc';
import {
  ErrorBody,
  GenerateRequest,
  GenerateResponse,
  IdParams,
  MeterList,
  SampleFileParams,
  SampleList,
  SampleListQuery,
  type TuneScore,
} from '../../api/schemas';
import { HttpError } from '../errors';
import type { DashboardContext } from '../context';
import { GenerationUnavailable, type GeneratedTune, type GenerateSettings } from '../generation';
import { sampleView } from '../views';
import { localCheckpoint } from '../../checkpoint-files';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

/** A safe file name from a tune's title. */
function fileName(abc: string, id: string, ext: string): string {
  const title = /^T:\s*(.+)$/m.exec(abc)?.[1] ?? '';
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `${slug ? `${slug}-` : ''}${id}.${ext}`;
}

export async function sampleRoutes(app: FastifyInstance, ctx: DashboardContext): Promise<void> {
  app.post<{ Body: GenerateRequest }>(
    '/api/generate',
    {
      schema: {
        tags: ['samples'],
        summary: 'Sample tunes from a checkpoint (bounded, queued); each is scored and stored as a sample',
        body: GenerateRequest,
        response: { 200: GenerateResponse, ...errors },
      },
    },
    async (req) => {
      const body = req.body;
      const checkpoint = await ctx.reader.getCheckpoint(body.checkpointId);
      if (!checkpoint) throw new HttpError(404, `No checkpoint ${body.checkpointId}`, 'body.checkpointId');
      if (checkpoint.deletedAt !== null) throw new HttpError(400, `Checkpoint ${checkpoint.id} was deleted by retention`, 'body.checkpointId');
      const trial = await ctx.reader.getTrial(checkpoint.trialId);
      const meter = body.meter ? meterChoice(body.meter) : null;
      if (body.meter && meter === null) throw new HttpError(400, `body.meter: expected a meter like 6/8, but got ${JSON.stringify(body.meter)}`, 'body.meter');
      const settings: GenerateSettings = {
        n: body.n,
        temperature: body.temperature,
        topK: body.topK ?? null,
        topP: body.topP ?? null,
        prime: body.prime ? body.prime : null,
        meter,
        seed: body.seed ?? randomInt(0, 2 ** 31 - 1),
        maxLength: body.maxLength,
        constrain: body.constrain ?? 'meter',
        allowCopies: body.allowCopies ?? false,
      };
      const started = performance.now();
      const { tunes, scores } = await ctx.queue.run(async (signal) => {
        let tunes: GeneratedTune[];
        try {
          tunes = (await ctx.generator.generate({ checkpoint: await localCheckpoint(ctx.reader, checkpoint, ctx.checkpointCache), trial, settings, signal })).slice(0, settings.n);
        } catch (err) {
          if (err instanceof GenerationUnavailable) throw new HttpError(501, err.message);
          throw err;
        }
        const scores: TuneScore[] = await ctx.scorer.score(tunes.map((t) => t.text), trial?.config ?? null);
        return { tunes, scores };
      });
      const writer = await ctx.writer();
      const samples = [];
      for (let i = 0; i < tunes.length; i++) {
        const { text, maskedMassMean, maskedMassMax, redraws } = tunes[i];
        // The settings (constrain, allowCopies included) go in the settings JSON; what the sampler did to this
        // tune goes with its scores.
        const score: TuneScore = { ...scores[i], maskedMassMean, maskedMassMax, redraws };
        const row = await writer.addSample({
          checkpointId: checkpoint.id,
          settings: { ...settings, seed: settings.seed + i },
          abc: text,
          eval: score as unknown as Record<string, unknown>,
        });
        samples.push(sampleView(row));
      }
      return { samples, ms: Math.round(performance.now() - started) };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/checkpoints/:id/meters',
    {
      schema: {
        tags: ['samples'],
        summary: "The meters the generate form offers for a checkpoint: those of its run's training tunes (the fixed Nottingham list when that corpus cannot be read)",
        params: IdParams,
        response: { 200: MeterList, ...errors },
      },
    },
    async (req) => {
      const checkpoint = await ctx.reader.getCheckpoint(req.params.id);
      if (!checkpoint) throw new HttpError(404, `No checkpoint ${req.params.id}`, 'params.id');
      const trial = await ctx.reader.getTrial(checkpoint.trialId);
      const counted = ctx.scorer.meters ? await ctx.scorer.meters(trial?.config ?? null).catch(() => null) : null;
      const meters = counted && counted.length > 0 ? counted : NOTTINGHAM_METERS.map((m) => ({ ...m, tunes: null }));
      const preferred = meters.find((m) => m.meter === '6/8') ?? meters[0];
      return { meters, default: preferred.meter, source: counted && counted.length > 0 ? ('corpus' as const) : ('nottingham' as const) };
    },
  );

  app.get<{ Querystring: SampleListQuery }>(
    '/api/samples',
    { schema: { tags: ['samples'], summary: "A checkpoint's stored samples, newest first", querystring: SampleListQuery, response: { 200: SampleList, ...errors } } },
    async (req) => {
      const rows = await ctx.reader.listSamples({ checkpointId: req.query.checkpointId, limit: req.query.limit ?? 20 });
      return { samples: rows.map(sampleView) };
    },
  );

  app.get<{ Params: SampleFileParams }>(
    '/api/samples/:id',
    {
      schema: {
        tags: ['samples'],
        summary: 'A sample as a file: `<id>.abc` (ABC text) or `<id>.mid` (MIDI through abc2midi)',
        params: SampleFileParams,
        response: {
          200: Type.String({ description: 'text/vnd.abc or audio/midi' }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const dot = req.params.id.lastIndexOf('.');
      const id = req.params.id.slice(0, dot);
      const ext = req.params.id.slice(dot + 1);
      const sample = await ctx.reader.getSample(id);
      if (!sample) throw new HttpError(404, `No sample ${id}`, 'params.id');
      if (ext === 'abc') {
        reply.header('content-disposition', `attachment; filename="${fileName(sample.abc, id, 'abc')}"`);
        return reply.type('text/vnd.abc; charset=utf-8').send(sample.abc.endsWith('\n') ? sample.abc : `${sample.abc}\n`);
      }
      const midi = await ctx.midi.render(sample.abc);
      reply.header('content-disposition', `attachment; filename="${fileName(sample.abc, id, 'mid')}"`);
      return reply.type('audio/midi').send(midi);
    },
  );
}
