import { AclOperation } from "@samsa/metadata";
import { statfs } from "node:fs/promises";
import { resolve } from "node:path";
import { ErrorCode, type ResponseByApiKey } from "@samsa/protocol";
import { clusterAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

type LogDirTopic = ResponseByApiKey[35]["results"][number]["topics"][number];

/** DescribeLogDirs: the single data dir, partition sizes, and (v4+) total/usable bytes of its file system. */
export const describeLogDirsHandler = defineHandler({
  apiKey: 35,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request) {
    const image = ctx.metadata.image;
    if (!clusterAllowed(ctx, AclOperation.DESCRIBE)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    }
    const wanted =
      request.topics === null
        ? [...image.topics.values()].map((t) => ({
            topic: t.name,
            partitions: t.partitions.map((p) => p.partitionIndex),
          }))
        : request.topics;
    const topics: LogDirTopic[] = [];
    for (const w of wanted) {
      const partitions = [];
      for (const p of w.partitions) {
        const size = ctx.logs.sizeInBytes(w.topic, p);
        if (size !== undefined)
          partitions.push({ partitionIndex: p, partitionSize: BigInt(size), offsetLag: 0n, isFutureKey: false });
      }
      if (partitions.length > 0) topics.push({ name: w.topic, partitions });
    }
    let totalBytes = -1n;
    let usableBytes = -1n;
    if (ctx.apiVersion >= 4) {
      try {
        const s = await statfs(ctx.identity.dataDir, { bigint: true });
        totalBytes = s.blocks * s.bsize;
        usableBytes = s.bavail * s.bsize;
      } catch (e) {
        ctx.log.warn({ err: (e as Error).message }, "statfs of the data dir failed");
      }
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{ errorCode: ErrorCode.NONE, logDir: resolve(ctx.identity.dataDir), topics, totalBytes, usableBytes }],
    };
  },
});
