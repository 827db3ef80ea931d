// What other areas may use of provision/ (eslint.boundaries.js): the node manager reads this
// node's cluster membership and asks corosync for quorum.
export {
  membershipStamp,
  readMembership,
  type MemberNode,
  type Membership,
} from './cluster/membership.ts';
export { queryQuorum, type QuorumStatus } from './cluster/status.ts';
