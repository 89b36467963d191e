import { assert } from "@samsa/common";
import type { GroupCoordinator } from "./group-coordinator.js";

/** Checks what must hold between any two steps; simulations call it after every step. */
export function checkInvariants(coordinator: GroupCoordinator): void {
  for (const g of coordinator.groups()) {
    const id = g.groupId;
    assert(g.state !== "Dead", `${id}: a dead group is still registered`);
    if (g.is("Empty")) {
      assert(g.members.size === 0, `${id}: Empty with members`);
    }
    if (g.is("Stable") || g.is("CompletingRebalance")) {
      assert(g.members.size > 0, `${id}: ${g.state} without members`);
      assert(g.protocolName !== null, `${id}: ${g.state} without a protocol`);
      for (const m of g.members.values()) assert(!m.awaitingJoin, `${id}: ${m.memberId} awaits join in ${g.state}`);
    }
    if (g.is("Stable"))
      for (const m of g.members.values()) assert(m.syncReply === null, `${id}: sync parked in Stable`);
    if (g.members.size > 0) assert(g.leaderId !== null && g.members.has(g.leaderId), `${id}: leader not a member`);
    else assert(g.leaderId === null, `${id}: leader without members`);
    for (const [instanceId, memberId] of g.staticMembers) {
      assert(g.members.get(memberId)?.groupInstanceId === instanceId, `${id}: static mapping ${instanceId} is stale`);
    }
    for (const m of g.members.values()) {
      assert(!g.pendingMembers.has(m.memberId), `${id}: ${m.memberId} is both member and pending`);
      if (m.groupInstanceId !== null)
        assert(g.staticMembers.get(m.groupInstanceId) === m.memberId, `${id}: static member not mapped`);
    }
    for (const p of g.pendingSyncMembers) assert(g.members.has(p), `${id}: pending sync ${p} not a member`);
    if (g.members.size > 0 && !g.is("PreparingRebalance")) {
      const candidates = g.candidateProtocols();
      assert(g.protocolName === null || candidates.has(g.protocolName), `${id}: protocol not shared by all`);
    }
  }
  for (const g of coordinator.consumerGroups()) {
    const id = g.groupId;
    assert(coordinator.group(id) === undefined, `${id}: both a classic and a consumer group`);
    assert(g.assignmentEpoch <= g.groupEpoch, `${id}: assignment epoch ahead of the group epoch`);
    const owner = new Map<string, string>();
    for (const m of g.members.values()) {
      assert(m.memberEpoch <= g.assignmentEpoch, `${id}: ${m.memberId} epoch ${m.memberEpoch} ahead of the assignment`);
      for (const k of [...m.assigned, ...m.pendingRevocation]) {
        const prev = owner.get(k);
        assert(prev === undefined, `${id}: partition ${k} held by ${prev} and ${m.memberId}`);
        owner.set(k, m.memberId);
      }
      if (m.state !== "unrevokedPartitions")
        assert(m.pendingRevocation.size === 0, `${id}: revocation pending while ${m.state}`);
    }
    const targeted = new Set<string>();
    for (const [memberId, keys] of g.target) {
      assert(g.members.has(memberId), `${id}: target for a non-member ${memberId}`);
      for (const k of keys) {
        assert(!targeted.has(k), `${id}: partition ${k} targeted twice`);
        targeted.add(k);
      }
    }
  }
}
