// Contract of the adjustment workflow: one per policy adjustment (政策调整), applying it to every task it touches.
export interface AdjustmentInput {
  adjustmentId: string;
}

export interface AdjustmentResult {
  done: number;
  skipped: number;
}

/** Business id: one workflow per adjustment. */
export const adjustmentWorkflowId = (adjustmentId: string) => `adjustment-${adjustmentId}`;
