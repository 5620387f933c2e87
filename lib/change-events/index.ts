export { parseChangeEvent, type ChangeEvent, type ChangePublisher, type ChangeSource } from './change-event';
export { changeSubject, DEFAULT_CHANGES_STREAM, DEFAULT_CHANGES_SUBJECT_PREFIX, NatsChanges, subjectToken, type NatsChangesOptions } from './nats';
export {
  CHANGES_PATH,
  CHANGES_TOKEN_PURPOSE,
  ChangeStream,
  ChangeStreamEndCode,
  ChangeStreamEvent,
  type ChangeStreamOptions,
} from './stream';
export { streamChanges, type StreamChangesOptions } from './stream-source';
