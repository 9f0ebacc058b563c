// The committed fixtures and how each is generated: the one list the generator script writes and the
// determinism test re-checks byte for byte.
import { formatSimpleCsv } from './csv-write.js';
import { generateSynthetic, type SyntheticOptions } from './generator.js';

export interface FixtureSpec {
  /** File name under fixtures/. */
  file: string;
  options: Partial<SyntheticOptions>;
}

export const FIXTURES: readonly FixtureSpec[] = [
  { file: 'synthetic-3-sensors-60d.csv', options: { seed: 42, sensors: 3, days: 60, start: Date.UTC(2024, 0, 1) } },
];

export function renderFixture(spec: FixtureSpec): string {
  return formatSimpleCsv(generateSynthetic(spec.options));
}
