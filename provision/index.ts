// provision/'s public face: what other areas may import (eslint.boundaries.js).
// installer/cli.ts registers `serve` and `report`, loaded lazily: the commands pull in their
// modules only when run.
export const fleetCommands = {
  serve: () => import('./fleet/serve.ts'),
  report: () => import('./fleet/report.ts'),
};
// The node manager reads this node's cluster membership and asks corosync for quorum.
export {
  membershipStamp,
  readMembership,
  type MemberNode,
  type Membership,
} from './cluster/membership.ts';
export { queryQuorum, type QuorumStatus } from './cluster/status.ts';
