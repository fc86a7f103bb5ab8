// What every REST resource receives: the Herder (the only API behind the routes) and the worker's
// identity. Passed in explicitly so tests run the real routes against a fake Herder.

import type { Herder } from '../herder/herder';
import type { Logger } from '../spi';

/** The part of ConnectMetrics the REST layer reads. */
export interface MetricsSource {
  text(): Promise<string>;
  readonly contentType: string;
}

export interface RestContext {
  herder: Herder;
  metrics: MetricsSource;
  logger: Logger;
  version: string;
  /** Source revision the worker was built from ('unknown' when not known). */
  commit: string;
  /** Identifies the transport cluster the worker belongs to (Kafka's `kafka_cluster_id`); when absent the
   *  worker's transport description from the herder is shown. */
  cluster?: string;
  /** True once the herder has finished starting (stores loaded, connectors started). */
  ready: () => boolean;
}
