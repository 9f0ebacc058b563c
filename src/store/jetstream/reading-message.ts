// One reading as a message of the readings stream: JSON of the reading and when it was received, and the dedupe id
// `${sensor}@${ts}` that makes a reading pushed twice (to one node or two) one message.
import type { Reading } from '../../protocol/index.js';

/** Nats-Msg-Id of a reading: JetStream stores a second message with the same id within the window as a duplicate. */
export const dedupeId = (r: Reading): string => `${r.sensor}@${r.ts}`;

export interface ReadingMessage {
  reading: Reading;
  /** When the node that published it received it, epoch ms (ReadingIntake.insertBatch's receivedAt). */
  receivedAt: number;
}

export function encodeReading(r: Reading, receivedAt: number): string {
  return JSON.stringify({ ...r, receivedAt });
}

export function decodeReading(data: Uint8Array): ReadingMessage {
  const { receivedAt, ...reading } = JSON.parse(Buffer.from(data).toString('utf8')) as Reading & { receivedAt: number };
  return { reading, receivedAt };
}
