import type { HealthIndicatorResult } from '@nestjs/terminus';

/** Injection token of the app's own indicators (HealthModule.forRoot({ indicators })). */
export const LOTWISE_HEALTH_INDICATORS = Symbol('LOTWISE_HEALTH_INDICATORS');

/**
 * An app-specific check. `readiness` joins GET /health (can this instance do its work now?); `liveness` joins
 * GET /health/live (is the process still worth keeping, or should it be restarted?).
 */
export interface LotwiseHealthIndicator {
  readiness?(): Promise<HealthIndicatorResult>;
  liveness?(): Promise<HealthIndicatorResult>;
}
