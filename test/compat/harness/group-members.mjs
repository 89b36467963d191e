// Group members as separate processes (any client), so a test can stop one gracefully or kill it.
// Each member program reads a JSON spec on stdin and prints JSON lines: {event: "assign"|"revoke",
// partitions} (incremental, as librdkafka reports them), {event: "assignment"|"assigned",
// partitions} (the whole assignment, as kafkajs and Sarama report it), {event: "message", partition, offset}, {event:
// "committed"}, {event: "closed"}. This file keeps each member's current partitions and what it read.
import { spawn } from "node:child_process";

/** Lines kept per member: far more than the tests' records, bounded against a runaway client. */
const MAX_EVENTS = 100_000;
/** Orders events of all members as they arrive here (milliseconds tie). */
let nextSeq = 0;

/** Starts `command args` with `spec` on stdin; `name` labels it in failure messages. */
export function spawnMember(name, command, args, spec) {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  const events = [];
  const held = new Set();
  let stderr = "";
  let partial = "";
  const member = {
    name,
    events,
    held,
    /** When its assignment last changed (an assign or assignment event), by this process' clock. */
    assignedAtMs: 0,
    stderr: () => stderr,
    messages: () => events.filter((e) => e.event === "message"),
  };
  child.stderr.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  child.stdout.on("data", (d) => {
    partial += d.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      const e = { ...JSON.parse(line), atMs: Date.now(), seq: nextSeq++ };
      if (events.length < MAX_EVENTS) events.push(e);
      const whole = e.event === "assignment" || e.event === "assigned";
      if (whole) held.clear();
      // librdkafka reports an empty incremental assign after a revoke: no new partitions, no change.
      if (whole || (e.event === "assign" && e.partitions.length > 0)) {
        for (const p of e.partitions) held.add(p);
        member.assignedAtMs = e.atMs;
      }
      if (e.event === "revoke") for (const p of e.partitions) held.delete(p);
    }
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  child.stdin.end(JSON.stringify(spec));
  member.exited = exited;
  /** SIGTERM: the member commits, leaves the group and exits. */
  member.stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return exited;
  };
  member.kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    return exited;
  };
  return member;
}

/** True when `members` hold `partitionCount` partitions between them, each exactly once. */
export function coversAll(members, partitionCount) {
  const all = members.flatMap((m) => [...m.held]).sort((a, b) => a - b);
  return all.length === partitionCount && all.every((p, i) => p === i);
}

/** `partition:offset` of every record the members read (a set: duplicates count once). */
export function consumedSet(members) {
  return new Set(members.flatMap((m) => m.messages().map((e) => `${e.partition}:${e.offset}`)));
}

export async function until(what, predicate, timeoutMs, describe = () => "") {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Replays the members' assign/revoke events in arrival order and returns the first partition two of
 * them held at once, as "p: a+b", or null. Meaningful for protocols that revoke before they assign
 * (cooperative, KIP-848), where a member reports its revocation before the next owner is told.
 */
export function overlappingOwnership(members) {
  const owners = new Map();
  const events = members
    .flatMap((m) => m.events.filter((e) => e.event === "assign" || e.event === "revoke").map((e) => ({ m, e })))
    .sort((x, y) => x.e.seq - y.e.seq);
  for (const { m, e } of events) {
    for (const p of e.partitions) {
      if (e.event === "revoke") {
        if (owners.get(p) === m.name) owners.delete(p);
      } else if (owners.has(p) && owners.get(p) !== m.name) {
        return `${p}: ${owners.get(p)}+${m.name}`;
      } else {
        owners.set(p, m.name);
      }
    }
  }
  return null;
}
