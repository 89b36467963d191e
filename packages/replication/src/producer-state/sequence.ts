/** Sequence numbers are int32 and wrap from 2^31-1 to 0, as in Kafka's DefaultRecordBatch. */
export const MAX_SEQUENCE = 0x7fffffff;

/** The sequence `increment` steps after `sequence`, wrapping past 2^31-1 to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > MAX_SEQUENCE - increment) return increment - (MAX_SEQUENCE - sequence) - 1;
  return sequence + increment;
}

/** The sequence `decrement` steps before `sequence`, wrapping below 0 to 2^31-1. */
export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return MAX_SEQUENCE - (decrement - sequence) + 1;
  return sequence - decrement;
}

/** Whether `next` directly follows `last`. */
export function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === MAX_SEQUENCE);
}
