// Connector and task lifecycle: a string-union state and one transition table shared by both.
// Every state change goes through `transition`, which rejects an illegal move with ILLEGAL_STATE, so
// status reports can never show a state the runtime did not pass through.

import { ConnectError } from '../spi';
import type { ConnectorState } from '../stores/status-store';

export type { ConnectorState };

/** from → allowed next states. UNASSIGNED is where everything starts (and returns to on shutdown). */
export const VALID_TRANSITIONS: Readonly<Record<ConnectorState, readonly ConnectorState[]>> = {
  UNASSIGNED: ['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED'],
  RUNNING: ['PAUSED', 'STOPPED', 'FAILED', 'RESTARTING', 'UNASSIGNED'],
  PAUSED: ['RUNNING', 'STOPPED', 'FAILED', 'RESTARTING', 'UNASSIGNED'],
  STOPPED: ['RUNNING', 'PAUSED', 'RESTARTING', 'UNASSIGNED'],
  FAILED: ['RESTARTING', 'STOPPED', 'UNASSIGNED'],
  RESTARTING: ['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED'],
};

export function canTransition(from: ConnectorState, to: ConnectorState): boolean {
  return VALID_TRANSITIONS[from].includes(to);
}

export class Lifecycle {
  private current: ConnectorState = 'UNASSIGNED';
  private failure: string | undefined;

  constructor(
    private readonly subject: string,
    private readonly onChange: (state: ConnectorState, trace: string | undefined) => void,
  ) {}

  get state(): ConnectorState {
    return this.current;
  }

  get trace(): string | undefined {
    return this.failure;
  }

  transition(to: ConnectorState, trace?: string): void {
    if (!canTransition(this.current, to)) {
      throw new ConnectError('ILLEGAL_STATE', `${this.subject} cannot go from ${this.current} to ${to}`);
    }
    this.current = to;
    this.failure = to === 'FAILED' ? trace : undefined;
    this.onChange(to, this.failure);
  }

  /** Moves to `to` if that is legal from here; returns whether it did (for racing shutdown paths). */
  tryTransition(to: ConnectorState, trace?: string): boolean {
    if (!canTransition(this.current, to)) return false;
    this.transition(to, trace);
    return true;
  }
}
