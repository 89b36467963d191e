/**
 * Base class of Samsa's operating errors. Callers match on the stable `code`, never on message text.
 */
export class SamsaError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
