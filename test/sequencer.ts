import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files that take longest (figures from `bash .ci/run` on the 2-core machine, slowest
 * first). Vitest starts the largest files first when it has no timings of its own, as on a clean
 * clone; these are small files that run long (CLI processes, PDF checks, many databases), so
 * they started last and one worker ran on alone at the end. Starting them first lets both
 * workers finish together. The order only schedules: no test depends on it.
 */
const SLOW_FIRST = [
  'test/cli.test.ts',
  'src/cli/pathways-pack.test.ts',
  'test/seized-disk.test.ts',
  'test/audit-rewrite.test.ts',
  'src/modules/keys/keys.test.ts',
  'src/modules/intake/file-checks.test.ts',
  'src/cli/backup.test.ts',
  'src/modules/cases/cases.routes.matrix.test.ts',
  'src/cli/demo.test.ts',
  'src/modules/backup/backup.test.ts',
  'src/modules/intake/intake.kill.test.ts',
  'src/modules/admin/staff-acts.test.ts',
  'src/modules/auth/auth.test.ts',
  'test/ledger-verify.test.ts',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    return sorted
      .map((spec, i) => ({ spec, i, rank: rank(spec) }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map((x) => x.spec);
  }
}
