/**
 * Entry `agent-canary/redis`, reserved for the Redis `CanaryStore` (shared rollout state across
 * instances, compare-and-set on the revision). Not implemented yet: use `MemoryCanaryStore` or your
 * own `CanaryStore` implementation.
 */
export type { CanaryStore } from '../store/canary-store.ts';
