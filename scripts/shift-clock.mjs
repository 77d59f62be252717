// Runs a process (and every worker it forks) with its wall clock moved to a chosen instant, to
// find tests that depend on the hour, day, week, quarter or year they run in (ADR 0207). PGlite
// reads the same clock. PostgreSQL servers do not: use it on the PGlite pass only.
//
//   SANCTUARY_CLOCK_AT=2026-12-31T23:59:30Z NODE_OPTIONS="--import ./scripts/shift-clock.mjs" \
//     npx vitest run --project unit src/modules/reports
//
// The clock then runs on from that instant at normal speed.
const at = process.env.SANCTUARY_CLOCK_AT;
const started = Number(process.env.SANCTUARY_CLOCK_STARTED ?? Date.now());
// The first process fixes the offset for its children, so all of them share one clock.
process.env.SANCTUARY_CLOCK_STARTED = String(started);
if (at !== undefined && at !== '') {
  const target = Date.parse(at);
  if (Number.isNaN(target)) throw new Error(`SANCTUARY_CLOCK_AT is not a date: ${at}`);
  const offset = target - started;
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}
