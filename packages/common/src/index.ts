export { AssertionError, assert, unreachable } from "./assert.js";
export { type Clock, type Random, seededRandom, systemClock } from "./clock.js";
export { SamsaError } from "./errors.js";
