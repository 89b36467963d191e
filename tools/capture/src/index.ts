export { type CapturedFrame, CaptureServer, fixtureApiName, fixtureFileName } from "./capture-server.js";
export { FrameSplitter, FrameTooLargeError, MAX_FRAME_BYTES } from "./frames.js";
export { Responder, type ResponderOptions, topicIdFor } from "./responder.js";
export { CAPTURE_TOPIC, type CapturedRecord, COMPRESSION_CODECS, captureRecords } from "./scenarios.js";
