export { type CapturedFrame, CaptureServer, fixtureApiName, fixtureFileName } from "./capture-server.js";
export { FrameSplitter, FrameTooLargeError, frame, MAX_FRAME_BYTES } from "./frames.js";
export { apiDescriptor, requestHeaderVersion, responseHeaderVersion } from "./headers.js";
export { Responder, type ResponderOptions, topicIdFor } from "./responder.js";
export { CAPTURE_TOPIC, type CapturedRecord, COMPRESSION_CODECS, captureRecords } from "./scenarios.js";
