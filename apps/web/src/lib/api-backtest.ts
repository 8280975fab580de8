// Backtest a draft (issue 16, item 4; apps/api routes/workflow-backtest.ts):
// the latest version (the draft) and the live one, dry-run over the
// tenant's recent events of the trigger's type. No effects.
import { api } from "./api";

export interface BacktestProblem {
  code: string;
  message: string;
}

export interface BacktestStep {
  /** Inside a loop, with the item: `reserve[0]`. */
  id: string;
  runs: boolean;
  action?: string;
  kind?: string;
  branch?: "then" | "else";
  waits?: true;
  items?: number;
  error?: BacktestProblem;
}

export interface BacktestExplainPart {
  span: { start: number; end: number };
  source: string;
  value?: unknown;
  error?: BacktestProblem;
}

export interface BacktestItem {
  eventId: string;
  key: string | null;
  occurredAt: string;
  receivedAt: string;
  matched: boolean;
  explain: BacktestExplainPart[];
  error?: BacktestProblem;
  steps: BacktestStep[];
  live: { matched: boolean; error?: BacktestProblem } | null;
  run: { id: string; status: string } | null;
}

export interface Backtest {
  version: number;
  liveVersion: number | null;
  eventType: string;
  events: number;
  matched: number;
  liveMatched: number | null;
  differ: number;
  truncated: boolean;
  items: BacktestItem[];
}

export const backtestEndpoints = {
  /** POST /v1/workflows/:id/backtest: default the latest version, the last 100 events. */
  run: (workflowId: string, opts: { version?: number; limit?: number } = {}) =>
    api<Backtest>("POST", `/v1/workflows/${encodeURIComponent(workflowId)}/backtest`, opts),
};
