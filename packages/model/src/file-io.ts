import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from './tf';

/** The files a tfjs layers model is saved as (the layout tf.io's file:// and http handlers use). */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** tfjs 4 hands weight data as one ArrayBuffer or a list of them; the file is their concatenation. */
export function joinWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/** Copies a Node Buffer into an ArrayBuffer of its own (a Buffer may be a view into a larger pool). */
export function toArrayBuffer(buf: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(buf.byteLength);
  new Uint8Array(out).set(buf);
  return out;
}

/**
 * A tf.io handler that writes `model.json` + `weights.bin` into a folder that exists, with plain node:fs
 * (tfjs-node's file:// handler would need libtensorflow). Use with `model.save(fileSaveHandler(dir))`.
 */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weights = joinWeightData(artifacts.weightData ?? new ArrayBuffer(0));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, WEIGHTS_BIN), weights);
      await writeFile(join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

/** Reads what {@link fileSaveHandler} wrote: the topology, the weight specs (in model.weights order) and data. */
export async function readModelFiles(dir: string): Promise<{ modelJson: Record<string, unknown>; specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const modelJson = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as Record<string, unknown>;
  const manifest = modelJson.weightsManifest as tf.io.WeightsManifestConfig;
  const specs = manifest.flatMap((group) => group.weights);
  const data = toArrayBuffer(await readFile(join(dir, WEIGHTS_BIN)));
  return { modelJson, specs, data };
}

/** A tf.io handler that loads a saved folder, for `tfl.loadLayersModel(fileLoadHandler(dir))`. */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const { modelJson, specs, data } = await readModelFiles(dir);
      return {
        modelTopology: modelJson.modelTopology as object,
        format: modelJson.format as string | undefined,
        generatedBy: modelJson.generatedBy as string | undefined,
        weightSpecs: specs,
        weightData: data,
      };
    },
  };
}
