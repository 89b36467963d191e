import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readOffsetCheckpoint, writeOffsetCheckpoint } from "./checkpoint-file.js";
import { SimFs } from "./testing/sim-fs.js";
import { seededRandom } from "@samsa/common";

describe("offset checkpoints", () => {
  it("round-trip in Kafka's text format", async () => {
    const fs = new SimFs();
    await fs.mkdir("/d");
    const offsets = new Map([
      ["orders-0", 42],
      ["my-topic-with-dashes-12", 7],
    ]);
    await writeOffsetCheckpoint(fs, "/d/recovery-point-offset-checkpoint", offsets);
    assert.equal(
      fs.peek("/d/recovery-point-offset-checkpoint")?.toString(),
      "0\n2\norders 0 42\nmy-topic-with-dashes 12 7\n",
    );
    assert.deepEqual(await readOffsetCheckpoint(fs, "/d/recovery-point-offset-checkpoint"), offsets);
  });

  it("survive power loss atomically: old or new, never torn", async () => {
    const fs = new SimFs();
    await fs.mkdir("/d");
    const path = "/d/cp";
    await writeOffsetCheckpoint(fs, path, new Map([["a-0", 1]]));
    await writeOffsetCheckpoint(fs, path, new Map([["a-0", 2]]));
    fs.powerLoss(seededRandom(3));
    assert.deepEqual(await readOffsetCheckpoint(fs, path), new Map([["a-0", 2]]));
  });

  it("reject malformed files with a typed error", async () => {
    const fs = new SimFs();
    await fs.mkdir("/d");
    const h = await fs.open("/d/cp", "wx+");
    await h.write(Buffer.from("0\n1\nt 0 x\n"), 0, 10, 0);
    await assert.rejects(readOffsetCheckpoint(fs, "/d/cp"), { code: "KAFKA_STORAGE_ERROR" });
    assert.deepEqual(await readOffsetCheckpoint(fs, "/d/absent"), new Map());
  });
});
