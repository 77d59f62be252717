/** The health module's face (ADR 0110). */

export { registerHealthMetrics } from './health.metrics.ts';
export { healthRoutes } from './health.routes.ts';
