// Shared CLI check of model files given as a base path (BASE.json + BASE.bin, as `train:default --out` writes them),
// before anything loads tfjs: `models import` and `replay --model` name a missing file the same way.
import { existsSync } from 'node:fs';

/** The sentence for the first missing file of `base`, or undefined when both exist. */
export function missingModelFile(base: string): string | undefined {
  for (const ext of ['json', 'bin']) {
    if (!existsSync(`${base}.${ext}`)) return `no model file ${base}.${ext} (give the path without .json/.bin)`;
  }
  return undefined;
}
