import type { Clock } from '../clock/clock.js';
import { JobStoreUnavailableError } from '../errors.js';
import type { ClaimedRuns, ClusterNode } from '../stores/cluster-coordination.js';
import type { NodeIdentity } from '../stores/job-store.js';
import type { Logger } from './logger.js';
import { RepeatingTask } from './repeating-task.js';
import type { StoreRegistry } from './store-registry.js';

/**
 * @example
 * new Scheduler({ jobstores: { default: 'postgres://db/app' }, cluster: { heartbeatMs: 2000, leaseMs: 10_000 } })
 */
export interface ClusterTiming {
  /** How often this node records its heartbeat and renews its claims' leases (default 5 s). */
  readonly heartbeatMs?: number;
  /** How long a claim holds without renewal before another node takes it over (default 30 s). */
  readonly leaseMs?: number;
  /** Longest sleep between looks at the store, in case a wake-up notification was lost (default 30 s). */
  readonly fallbackPollMs?: number;
}

/**
 * The cluster timing a scheduler uses for what its `cluster` option leaves out.
 *
 * @example
 * new Scheduler({ cluster: { ...DEFAULT_CLUSTER_TIMING, leaseMs: 60_000 } })
 */
export const DEFAULT_CLUSTER_TIMING: Required<ClusterTiming> = { heartbeatMs: 5000, leaseMs: 30_000, fallbackPollMs: 30_000 };

/** A node counts as live while its last heartbeat is younger than this many heartbeat intervals. */
const LIVE_AFTER_HEARTBEATS = 3;

/**
 * What `clusterInfo()` answers (and `GET {prefix}` shows as `cluster`).
 *
 * @example
 * const { clustered, nodes } = await scheduler.clusterInfo()
 */
export interface ClusterInfo {
  readonly node_id: string;
  /** Whether some store of this scheduler is shared as a cluster. */
  readonly clustered: boolean;
  /** Live nodes (this one alone when not clustered), with their last heartbeat (ISO 8601); empty while the cluster's store is unreachable. */
  readonly nodes: readonly { readonly node_id: string; readonly hostname: string; readonly pid: number; readonly heartbeat_at: string }[];
}

/** What membership works with; the scheduler passes them in. */
export interface ClusterMembershipParts {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stores: StoreRegistry;
  readonly node: NodeIdentity;
  readonly timing: Required<ClusterTiming>;
  /** Expired runs taken over per query. */
  readonly batchSize: number;
  /** Whether taken-over runs should run now (the scheduler is running, not paused). */
  readonly active: () => boolean;
  /** Receives the runs this node took over (the dispatcher). */
  readonly submitRuns: (jobstore: string, claimed: ClaimedRuns) => void;
}

/**
 * This node's part in the clusters its stores are shared by: the heartbeat (says the node is
 * alive, renews its leases, takes over what dead nodes left), leaving cleanly at shutdown, and
 * which nodes are live. The claims themselves are the stores' `ClusterCoordination`.
 *
 * @example
 * const membership = new ClusterMembership({ clock, logger, stores, node, timing, batchSize: 500, active, submitRuns })
 * if (stores.clustered) membership.start()
 */
export class ClusterMembership {
  private readonly heartbeat: RepeatingTask;

  constructor(private readonly parts: ClusterMembershipParts) {
    const { heartbeatMs, leaseMs } = parts.timing;
    // Backoff capped at half a lease, so a node back from an outage renews its claims before they expire.
    this.heartbeat = new RepeatingTask(parts.clock, heartbeatMs, () => this.beat(), (error, retryInMs) => {
      // An unreachable store was logged once, by its health; only other failures (bugs) are worth a stack each time.
      if (!(error instanceof JobStoreUnavailableError)) parts.logger.error(`Cluster heartbeat failed; retrying in ${retryInMs} ms`, error);
    }, Math.max(heartbeatMs, leaseMs / 2));
  }

  /** Beats now, then every `heartbeatMs`. */
  start(): void {
    this.heartbeat.start();
  }

  /** Stops beating; resolves once a beat in progress has finished. */
  async stop(): Promise<void> {
    await this.heartbeat.stop();
  }

  /** Drops this node from every cluster, so others take its unstarted claims at once. */
  async leave(): Promise<void> {
    const { clock, logger, stores } = this.parts;
    for (const [, store] of stores.entries()) {
      await store.cluster?.leave(clock.now()).catch((error: unknown) => {
        if (error instanceof JobStoreUnavailableError) logger.warn(`Leaving the cluster failed (${error.message}); its leases will expire`);
        else logger.warn('Leaving the cluster failed; its leases will expire', error);
      });
    }
  }

  /** This node's id and the cluster's live nodes (those whose heartbeat is recent). */
  async info(): Promise<ClusterInfo> {
    const { clock, node, stores } = this.parts;
    const coordination = stores.coordination();
    const since = new Date(clock.now().getTime() - LIVE_AFTER_HEARTBEATS * this.parts.timing.heartbeatMs);
    const nodes: ClusterNode[] = coordination
      ? await coordination.liveNodes(since).catch((error: unknown) => {
          // The status page must still answer during an outage; its `stores` field says why the list is empty.
          if (error instanceof JobStoreUnavailableError) return [];
          throw error;
        })
      : [{ nodeId: node.id, hostname: node.hostname, pid: node.pid, startedAt: node.startedAt, heartbeatAt: clock.now() }];
    return {
      node_id: node.id,
      clustered: coordination !== undefined,
      nodes: nodes.map((member) => ({ node_id: member.nodeId, hostname: member.hostname, pid: member.pid, heartbeat_at: member.heartbeatAt.toISOString() })),
    };
  }

  private async beat(): Promise<void> {
    const { clock, stores, batchSize, active, submitRuns } = this.parts;
    for (const [alias, store] of stores.entries()) {
      const coordination = store.cluster;
      if (!coordination) continue;
      await coordination.heartbeat(clock.now());
      if (!active()) continue;
      for (;;) {
        const taken = await coordination.takeOverExpiredRuns(clock.now(), batchSize);
        for (const claimed of taken) submitRuns(alias, claimed);
        if (taken.length < batchSize || !active()) break;
      }
    }
  }
}
