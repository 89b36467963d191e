import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultMetadataRequest,
  ErrorCode,
} from "@samsa/protocol";
import { TestClient } from "./testing/test-client.js";

const MAIN = new URL("./main.js", import.meta.url).pathname;

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number | null>;
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const r: Run = {
    child,
    stdout: "",
    stderr: "",
    exit: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout!.on("data", (d: Buffer) => {
    r.stdout += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    r.stderr += d.toString();
  });
  return r;
}

async function started(r: Run): Promise<number> {
  for (let i = 0; i < 200 && !r.stdout.includes("started"); i++) {
    if (r.child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 25));
  }
  const m = /started on PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(r.stdout);
  assert.ok(m, `no started line; stdout=${r.stdout} stderr=${r.stderr}`);
  return Number(m[1]);
}

test("bad flags and bad config exit 2 with one line on stderr", async () => {
  for (const args of [
    ["start", "--bogus"],
    ["start", "--set", "num.partitions=0"],
    ["start", "--listeners", "nonsense"],
    ["frobnicate"],
    ["start", "--config", "/nonexistent.properties"],
  ]) {
    const r = run(args);
    assert.equal(await r.exit, 2, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
    assert.equal(r.stdout, "");
  }
});

test("start, serve, SIGTERM exits 0; restart keeps identity and topics; another node id is refused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-main-"));
  try {
    const args = ["start", "--data-dir", dir, "--listeners", "PLAINTEXT://127.0.0.1:0"];
    const first = run(args);
    const port = await started(first);
    assert.equal(first.stdout.trim().split("\n").length, 1);
    const c = await TestClient.connect(port);
    const created = await c.send(19, 7, {
      ...defaultCreateTopicsRequest(),
      topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: "kept", numPartitions: 3, replicationFactor: 1 }],
    });
    assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
    const m1 = await c.send(3, 12, { ...defaultMetadataRequest(), topics: null });
    c.close();
    const intruder = run(args);
    assert.equal(await intruder.exit, 2);
    assert.match(intruder.stderr, /in use by another broker/);
    first.child.kill("SIGTERM");
    assert.equal(await first.exit, 0);
    const meta = await readFile(join(dir, "meta.properties"), "utf8");
    assert.match(meta, /^cluster\.id=[A-Za-z0-9_-]{22}$/m);

    const second = run(args);
    const port2 = await started(second);
    const c2 = await TestClient.connect(port2);
    const m2 = await c2.send(3, 12, { ...defaultMetadataRequest(), topics: null });
    c2.close();
    assert.equal(m2.clusterId, m1.clusterId);
    assert.deepEqual(
      m2.topics.map((t) => [t.name, t.topicId, t.partitions.length]),
      m1.topics.map((t) => [t.name, t.topicId, t.partitions.length]),
    );
    second.child.kill("SIGINT");
    assert.equal(await second.exit, 0);

    const other = run([...args, "--node-id", "2"]);
    assert.equal(await other.exit, 2);
    assert.match(other.stderr, /node\.id/);
    assert.equal(other.stderr.trim().split("\n").length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
