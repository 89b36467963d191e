import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SamsaError } from "@samsa/common";
import { isUuid, randomUuid, writeFileAtomic } from "@samsa/metadata";
import { parseProperties } from "./config/properties.js";

export const META_PROPERTIES = "meta.properties";

export interface MetaProperties {
  readonly version: number;
  readonly clusterId: string;
  readonly nodeId: number;
}

export class MetaPropertiesError extends SamsaError {
  constructor(message: string) {
    super("META_PROPERTIES_INVALID", message);
  }
}

/**
 * Reads the data dir's identity (Kafka's KRaft `meta.properties`, version 1), creating it on the
 * first start. A data dir of another node is refused, so two nodes never share one.
 */
export async function ensureMetaProperties(
  dataDir: string,
  nodeId: number,
  newClusterId = randomUuid,
): Promise<MetaProperties> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, META_PROPERTIES);
  let text: string | undefined;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (text === undefined) {
    const meta = { version: 1, clusterId: newClusterId(), nodeId };
    await writeFileAtomic(
      path,
      `#\n#${new Date().toUTCString()}\nnode.id=${nodeId}\nversion=1\ncluster.id=${meta.clusterId}\n`,
    );
    return meta;
  }
  const props = parseProperties(text, path);
  const version = props.get("version");
  const clusterId = props.get("cluster.id");
  const storedNodeId = props.get("node.id");
  if (version !== "1") throw new MetaPropertiesError(`${path}: unsupported version ${version ?? "(missing)"}`);
  if (clusterId === undefined || !isUuid(clusterId))
    throw new MetaPropertiesError(`${path}: invalid cluster.id ${clusterId ?? "(missing)"}`);
  if (storedNodeId === undefined || !/^\d+$/.test(storedNodeId))
    throw new MetaPropertiesError(`${path}: invalid node.id ${storedNodeId ?? "(missing)"}`);
  if (Number(storedNodeId) !== nodeId) {
    throw new MetaPropertiesError(
      `${path}: stored node.id ${storedNodeId} doesn't match the configured node.id ${nodeId}`,
    );
  }
  return { version: 1, clusterId, nodeId };
}
