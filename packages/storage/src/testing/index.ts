export { type TestBatchOptions, testBatch } from "./batches.js";
export { ManualClock, openTestLog, type TestLogOptions } from "./fixture.js";
export { SimFs } from "./sim-fs.js";
