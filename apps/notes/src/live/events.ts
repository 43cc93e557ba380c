/**
 * Change events: what is written to the `events` table with each change, and what each kind of
 * viewer may receive from it. Notes are public in this app, so a viewer may see titles, the body
 * of the note it watches, and that note's comments — never session data.
 */

/** A change as stored in the events table and delivered by the poller. */
export type ChangeEvent =
  | { id: number; kind: 'note-saved'; notekey: string; data: NoteSavedData }
  | { id: number; kind: 'note-deleted'; notekey: string; data: { key: string } }
  | { id: number; kind: 'comment-added'; notekey: string; data: CommentData }
  | { id: number; kind: 'comment-deleted'; notekey: string; data: { key: string; id: number } }
  | {
      id: number;
      kind: 'session-revoked';
      notekey: null;
      data: { sid: string; expiresAt: string };
    };

/** A change before it has an id. */
export type NewEvent = ChangeEvent extends infer E
  ? E extends ChangeEvent
    ? Omit<E, 'id'>
    : never
  : never;

/** Payload of a created or updated note. */
export interface NoteSavedData {
  key: string;
  title: string;
  body: string;
  authorName: string;
  createdAt: string;
  updatedAt: string;
}

/** Payload of an added comment. */
export interface CommentData {
  key: string;
  id: number;
  author: string;
  authorName: string;
  body: string;
  createdAt: string;
}

/** What a live client watches: the home list, or one note's page. */
export type Topic = { kind: 'home' } | { kind: 'note'; key: string };

/** One Server-Sent Event ready to write. */
export interface Outgoing {
  id: number;
  event: string;
  data: unknown;
}

/**
 * The part of `change` that a client watching `topic` may see, or null when the change is not
 * for it. Pure, so the channel's contents are tested without a server.
 */
export function projectEvent(change: ChangeEvent, topic: Topic): Outgoing | null {
  if (change.kind === 'session-revoked') return null;
  if (topic.kind === 'home') {
    if (change.kind === 'note-saved') {
      return {
        id: change.id,
        event: 'note-saved',
        data: { key: change.data.key, title: change.data.title },
      };
    }
    if (change.kind === 'note-deleted') {
      return { id: change.id, event: 'note-deleted', data: { key: change.data.key } };
    }
    return null;
  }
  if (change.notekey !== topic.key) return null;
  return { id: change.id, event: change.kind, data: change.data };
}

/** Parse a stored row back into a ChangeEvent (rows are written only by this app). */
export function eventFromRow(row: {
  id: number | string;
  kind: string;
  notekey: string | null;
  data: string;
}): ChangeEvent {
  return {
    id: Number(row.id),
    kind: row.kind,
    notekey: row.notekey,
    data: JSON.parse(row.data) as unknown,
  } as ChangeEvent;
}
