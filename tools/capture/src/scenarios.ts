/**
 * What each client does against the capture server. kcat (librdkafka) produces, consumes and joins a
 * group; kcat again produces once per compression codec; kafkajs produces and runs a group consumer.
 * Each scenario records into its own directory, named after the client (and codec).
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { CaptureServer } from "./capture-server.js";

export const CAPTURE_TOPIC = "capture";
export const COMPRESSION_CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
/** How long a client may take to produce its frames. */
const CLIENT_TIMEOUT_MS = 15_000;

export interface CapturedRecord {
  key: string;
  value: string;
  headers: [string, string][];
}

/** Records with repetitive values, so every codec actually compresses them. */
export function captureRecords(prefix: string): CapturedRecord[] {
  return Array.from({ length: 5 }, (_, i) => ({
    key: `${prefix}-key-${i}`,
    value: `${prefix}-value-${i}-${"abcdefgh".repeat(8 + i)}`,
    headers: [
      ["source", prefix],
      ["capture", "golden"],
    ],
  }));
}

/** Runs a program until it exits or `stopWhen` holds (then SIGTERM); rejects on a failing exit. */
function runClient(command: string, args: string[], input: string, stopWhen?: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += c.toString();
    });
    let stopped = false;
    const poll = setInterval(() => {
      if (stopWhen?.()) {
        stopped = true;
        child.kill("SIGTERM");
      }
    }, 50);
    const timer = setTimeout(() => {
      stopped = true;
      child.kill("SIGKILL");
      if (!stopWhen) reject(new Error(`${command} ${args.join(" ")}: no exit within ${CLIENT_TIMEOUT_MS} ms`));
    }, CLIENT_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      if (code === 0 || stopped) resolve();
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr}`));
    });
    child.stdin.end(input);
  });
}

function has(server: CaptureServer, apiName: string): boolean {
  return server.captured().some((c) => c.apiName === apiName);
}

function writeRecords(dir: string, records: CapturedRecord[]): void {
  writeFileSync(join(dir, "records.json"), `${JSON.stringify(records, null, 2)}\n`);
}

function kcatProduceArgs(bootstrap: string, records: CapturedRecord[], extra: string[]): [string[], string] {
  const headerArgs = records[0].headers.flatMap(([k, v]) => ["-H", `${k}=${v}`]);
  const args = ["-b", bootstrap, "-P", "-t", CAPTURE_TOPIC, "-p", "0", "-K", "\t", ...headerArgs, ...extra];
  return [args, records.map((r) => `${r.key}\t${r.value}\n`).join("")];
}

export async function captureKcat(server: CaptureServer, bootstrap: string, dir: string): Promise<void> {
  server.record(dir, CAPTURE_TOPIC);
  const records = captureRecords("kcat");
  const [args, input] = kcatProduceArgs(bootstrap, records, []);
  try {
    await runClient("kcat", args, input);
    writeRecords(dir, records);
    await runClient("kcat", ["-b", bootstrap, "-C", "-t", CAPTURE_TOPIC, "-p", "0", "-o", "beginning", "-e"], "");
    await runClient("kcat", ["-b", bootstrap, "-G", "capture-group", CAPTURE_TOPIC], "", () =>
      has(server, "JoinGroup"),
    );
  } finally {
    server.disconnectAll();
  }
}

export async function captureKcatCompressed(
  server: CaptureServer,
  bootstrap: string,
  dir: string,
  codec: (typeof COMPRESSION_CODECS)[number],
): Promise<void> {
  server.record(dir, CAPTURE_TOPIC);
  const records = captureRecords(`kcat-${codec}`);
  const [args, input] = kcatProduceArgs(bootstrap, records, ["-z", codec]);
  try {
    await runClient("kcat", args, input);
    writeRecords(dir, records);
  } finally {
    server.disconnectAll();
  }
}

export async function captureKafkajs(server: CaptureServer, bootstrap: string, dir: string): Promise<void> {
  server.record(dir, CAPTURE_TOPIC);
  const kafka = new Kafka({ clientId: "samsa-capture", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const records = captureRecords("kafkajs");
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: "capture-group", maxWaitTimeInMs: 100 });
  try {
    await producer.connect();
    await producer.send({
      topic: CAPTURE_TOPIC,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: Object.fromEntries(r.headers) })),
    });
    writeRecords(dir, records);

    await consumer.connect();
    await consumer.subscribe({ topics: [CAPTURE_TOPIC], fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    const deadline = Date.now() + CLIENT_TIMEOUT_MS;
    while (!(has(server, "Fetch") && has(server, "JoinGroup")) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!has(server, "Fetch")) throw new Error("kafkajs sent no Fetch");
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
    server.disconnectAll();
  }
}

interface RdkafkaModule {
  Producer: new (
    conf: Record<string, unknown>,
  ) => {
    connect(o: object, cb: (err: Error | null) => void): void;
    produce(
      topic: string,
      partition: number,
      value: Buffer,
      key: Buffer,
      timestamp: number,
      opaque: null,
      headers: Record<string, Buffer>[],
    ): void;
    flush(timeoutMs: number, cb: (err: Error | null) => void): void;
    disconnect(cb: () => void): void;
  };
  KafkaConsumer: new (
    conf: Record<string, unknown>,
    topicConf: object,
  ) => {
    connect(o: object, cb: (err: Error | null) => void): void;
    assign(assignments: { topic: string; partition: number; offset: number }[]): void;
    subscribe(topics: string[]): void;
    consume(n: number, cb: (err: Error | null, msgs: unknown[]) => void): void;
    disconnect(cb: () => void): void;
  };
}

function connected(client: { connect(o: object, cb: (err: Error | null) => void): void }): Promise<void> {
  return new Promise((resolve, reject) => client.connect({}, (err) => (err ? reject(err) : resolve())));
}

async function consumeUntil(
  consumer: InstanceType<RdkafkaModule["KafkaConsumer"]>,
  done: () => boolean,
): Promise<void> {
  const deadline = Date.now() + CLIENT_TIMEOUT_MS;
  while (!done() && Date.now() < deadline) {
    await new Promise<void>((resolve) => consumer.consume(10, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * librdkafka 2.15 (@confluentinc/kafka-javascript) speaks the flexible versions the Debian clients
 * predate: produce, consume by assign, then join a group.
 */
export async function captureConfluentJavascript(server: CaptureServer, bootstrap: string, dir: string): Promise<void> {
  server.record(dir, CAPTURE_TOPIC);
  const Kafka = createRequire(import.meta.url)("@confluentinc/kafka-javascript") as RdkafkaModule;
  const records = captureRecords("ckjs");
  const producer = new Kafka.Producer({ "bootstrap.servers": bootstrap, "linger.ms": 5 });
  try {
    await connected(producer);
    for (const r of records) {
      producer.produce(
        CAPTURE_TOPIC,
        0,
        Buffer.from(r.value),
        Buffer.from(r.key),
        Date.now(),
        null,
        r.headers.map(([k, v]) => ({ [k]: Buffer.from(v) })),
      );
    }
    await new Promise<void>((resolve, reject) =>
      producer.flush(CLIENT_TIMEOUT_MS, (err) => (err ? reject(err) : resolve())),
    );
    writeRecords(dir, records);
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(resolve));
  }
  const conf = { "bootstrap.servers": bootstrap, "group.id": "capture-group", "enable.auto.commit": false };
  const assigned = new Kafka.KafkaConsumer(conf, {});
  try {
    await connected(assigned);
    assigned.assign([{ topic: CAPTURE_TOPIC, partition: 0, offset: 0 }]);
    await consumeUntil(assigned, () => has(server, "Fetch"));
  } finally {
    await new Promise<void>((resolve) => assigned.disconnect(resolve));
  }
  const member = new Kafka.KafkaConsumer(conf, { "auto.offset.reset": "earliest" });
  try {
    await connected(member);
    member.subscribe([CAPTURE_TOPIC]);
    await consumeUntil(member, () => has(server, "JoinGroup"));
  } finally {
    await new Promise<void>((resolve) => member.disconnect(resolve));
    server.disconnectAll();
  }
  if (!has(server, "Fetch") || !has(server, "JoinGroup")) throw new Error("no Fetch or JoinGroup captured");
}
