/** The health module's face (ADR 0110). */
export { healthRoutes } from './health.routes.ts';
