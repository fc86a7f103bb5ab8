// Last known states of connectors and tasks, with the error trace of failures. Persisted so an operator
// can see why something failed after a restart; the live state is recomputed as connectors start.

export type ConnectorState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

export interface StateRecord {
  state: ConnectorState;
  workerId: string;
  trace?: string;
  /** ms since epoch */
  since: number;
}

export interface StatusStore {
  load(): Promise<void>;
  connector(name: string): StateRecord | undefined;
  task(connector: string, task: number): StateRecord | undefined;
  tasks(connector: string): Map<number, StateRecord>;
  putConnector(name: string, rec: StateRecord): Promise<void>;
  putTask(connector: string, task: number, rec: StateRecord): Promise<void>;
  /** Removes the connector's record and all its tasks' records. */
  remove(connector: string): Promise<void>;
  /** Removes task records with id >= fromTask (task count shrank). */
  removeTasksFrom(connector: string, fromTask: number): Promise<void>;
  close(): Promise<void>;
}
