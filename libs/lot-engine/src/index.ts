export { LotEngineInputError } from './lib/errors';
export { canonicalDecimal, parseDecimal } from './lib/decimal';
export type { DecimalSign, ParseDecimalOptions, ParseDecimalResult } from './lib/decimal';
export { matchTrade } from './lib/match-trade';
export { replayTrades } from './lib/replay';
export { averageCost, summarizePosition } from './lib/position';
export { compareExecutionOrder } from './lib/execution-order';
export type { ExecutionOrderKey } from './lib/execution-order';
export type {
  LotReduction,
  MatchOutcome,
  OpenLot,
  PnlEntryDraft,
  PositionSummary,
  ReplayedLot,
  ReplayResult,
  TradeInput,
  TradeOutcome,
} from './lib/types';
export { rewindBook, settleRun } from './lib/settle-run';
export type { BookSnapshot, LotsNeeded, RewindInput, RunSettlement, RunTrade } from './lib/settle-run';
