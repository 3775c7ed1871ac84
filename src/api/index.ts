export { buildApp, API_VERSION, type AppDeps, type ApiConfig } from './app.ts';
export { createApiLogger } from './logger.ts';
export { warmUpApi } from './warmup.ts';
export { healthRoutes, type Readiness } from './routes/health.ts';
export { metricsRoute, type MetricsExposition } from './routes/metrics.ts';
export { installErrorHandling } from './errors.ts';
