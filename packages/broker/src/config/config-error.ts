import { SamsaError } from "@samsa/common";

/** A bad flag, file or value: reported as one line, exit code 2. */
export class ConfigError extends SamsaError {
  constructor(message: string) {
    super("CONFIG_INVALID", message);
  }
}
