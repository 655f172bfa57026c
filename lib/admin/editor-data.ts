/** What the dashboard's editor pages load on the server: the experiments as stored, their revision, and each page's traffic for the planner. */
import 'server-only';
import { PAGES, PLACEMENTS, PLACEMENT_PAGE, type Experiment, type Page } from '../config/schema';
import { getEventStore } from '../events/server-store';
import type { ConfigChange } from '../events/store';
import type { PageTraffic } from '../experiments/planner';
import { configStore, readExperiments } from './config-store';

const DAY = 86_400_000;
export const PLANNER_DAYS = 14;

export interface EditorData {
  /** Null when the store reads Edge Config but cannot write it (the page says what to set). */
  store: { where: string; revision: string } | null;
  experiments: Experiment[];
  traffic: Record<Page, PageTraffic | null>;
  log: ConfigChange[];
}

export async function editorData(now = Date.now()): Promise<EditorData> {
  const store = configStore();
  const read = store ? await readExperiments(store) : null;
  const events = getEventStore();
  const since = now - PLANNER_DAYS * DAY;
  const traffic = Object.fromEntries(
    await Promise.all(
      PAGES.map(async (page) => {
        try {
          const t = await events.pageTraffic(PLACEMENTS.filter((p) => PLACEMENT_PAGE[p] === page), since);
          const days = t.firstAt === null ? PLANNER_DAYS : Math.min(PLANNER_DAYS, Math.max(1, (now - t.firstAt) / DAY));
          return [page, t.visitors > 0 ? { ...t, days } : null] as const;
        } catch {
          return [page, null] as const;
        }
      }),
    ),
  ) as Record<Page, PageTraffic | null>;
  const log = await events.configLog.list(100).catch(() => []);
  return { store: store && read ? { where: store.where, revision: read.revision } : null, experiments: read?.experiments ?? [], traffic, log };
}
