/** Kafka's limit: a partition directory name `<topic>-<partition>` must fit in 255 bytes. */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Kafka's Topic.validate: returns why a name is illegal, or undefined when it is fine. */
export function invalidTopicNameReason(name: string): string | undefined {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === "." || name === "..") return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}

/** Kafka's internal topics: listed with is_internal=true in Metadata responses. */
export function isInternalTopic(name: string): boolean {
  return name === "__consumer_offsets" || name === "__transaction_state" || name === "__share_group_state";
}

/** '.' and '_' collide in metric names, so Kafka refuses topics that differ only by them. */
export function collidingName(name: string): string {
  return name.replaceAll(".", "_");
}
