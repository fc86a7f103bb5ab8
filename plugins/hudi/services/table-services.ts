// Table services that run after a commit completed (Hudi's post-commit: clean, then archival; compaction runs
// from the table writer), behind one interface so the commit coordinator calls them in one place. They only ever
// delete what no retained commit needs; a failure is logged by the coordinator and retried after a later commit.

import type { Logger } from '../../../runtime/spi';
import type { Storage } from '../storage/storage';
import type { FaultPoint } from '../table/fault-points';
import type { FileSystemView } from '../table/file-system-view';
import { cleanFileSlices } from '../timeline/clean';
import { archiveTimeline, type ArchivalSettings } from './archival';
import type { Instant } from '../timeline/instant';
import { METAFOLDER, type Timeline } from '../timeline/timeline';

export interface ServicesResult {
  /** Base files deleted (the view and the index must forget them). */
  removed: string[];
  /** Instants the services completed (the timeline must learn them). */
  completed: Instant[];
  /** Instant times archival moved out of the active timeline (the timeline must drop them). */
  archived: string[];
}

export interface TableServices {
  afterCommit(instant: string, timeline: Timeline, view: FileSystemView): Promise<ServicesResult>;
}

export function tableServices(o: { storage: Storage; logger: Logger; now: () => number; cleanCommitsRetained: number; archival?: ArchivalSettings; fault: (point: FaultPoint) => void }): TableServices {
  return {
    async afterCommit(instant, timeline, view) {
      // The commit's markers are no longer needed once it completed (a rollback is no longer possible).
      await o.storage.deleteTree(`${METAFOLDER}/.temp/${instant}`);
      const { removed, clean } = await cleanFileSlices(o.storage, timeline, { retained: o.cleanCommitsRetained, now: o.now, logger: o.logger, view, fault: o.fault });
      // Archival after cleaning, as Hudi's post-commit does: it then sees the clean's earliest retained commit.
      const cleaned = clean ? timeline.withCompleted(clean) : timeline;
      const archived = o.archival ? await archiveTimeline(o.storage, cleaned, o.archival, { logger: o.logger, fault: o.fault }) : [];
      return { removed, completed: clean ? [clean] : [], archived };
    },
  };
}
