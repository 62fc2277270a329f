// The fixtures' file format: the protobuf History as a plain JSON object (int64 as strings, enums by
// name, bytes as base64). The SDK's historyToJSON fails with this install's protobufjs, and this
// form round-trips through the same generated classes the worker replays from.
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
const HistoryMessage = temporal.api.history.v1.History;

/** A history as fixture text. */
export function historyToFixture(history: History): string {
  const object = HistoryMessage.toObject(HistoryMessage.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String });
  return `${JSON.stringify(object, null, 1)}\n`;
}

/** A fixture's text back as a history the replayer takes. */
export function historyFromFixture(text: string): temporal.api.history.v1.History {
  return HistoryMessage.fromObject(JSON.parse(text));
}
