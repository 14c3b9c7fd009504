// Flows may carry `expires`: temporary access that removes itself. An expired
// flow is an error in `validate` (someone should delete it from Git) while the
// reconciler just leaves it out of the desired state.
import type { Flow } from './schema.ts';

/** Whether a flow has passed its `expires` instant at `now`. */
export function isExpired(flow: Flow, now: Date): boolean {
  return flow.spec.expires !== undefined && Date.parse(flow.spec.expires) <= now.getTime();
}
