/** One row of the benchmark table: our figure beside a baseline measured in the same run. */
export interface BenchRow {
  name: string;
  ours: number;
  baseline: number;
  unit: string;
  note?: string;
}
