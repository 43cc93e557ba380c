/**
 * Reads and writes of notes and comments. Every write also appends its change to the `events`
 * table in the same transaction (write.ts), so a change and its live update commit (or roll back)
 * together, and every replica's poller sees it (see live/poller.ts).
 */
import { QueryTypes, UniqueConstraintError, type Sequelize } from 'sequelize';
import type { CommentData, NoteSavedData } from '../live/events.ts';
import { createEventStore } from './event-store.ts';
import { createWriter } from './write.ts';
import type { Models } from './models.ts';

/** A row of the home list. */
export interface NoteTitle {
  notekey: string;
  title: string;
}

/** A note with its comments, as the view page shows it. */
export interface NoteWithComments extends NoteSavedData {
  author: string;
  comments: CommentData[];
}

/** The key is taken already (create only). */
export class DuplicateKeyError extends Error {
  constructor(key: string) {
    super(`a note with key "${key}" already exists`);
    this.name = 'DuplicateKeyError';
  }
}

/** What a save needs. */
export interface NoteInput {
  key: string;
  title: string;
  body: string;
  author: string;
  authorName: string;
}

/** The database operations of the app. */
export type Store = ReturnType<typeof createStore>;

/** Dates come back as Date (mysql2) or as text like `2026-01-02 03:04:05.678 +00:00` (SQLite). */
const iso = (value: Date | string | number): string =>
  new Date(
    typeof value === 'string' ? value.replace(' ', 'T').replace(' ', '') : value,
  ).toISOString();

/** One row of the note page's LEFT JOIN. */
interface NoteRow {
  notekey: string;
  title: string;
  body: string;
  author: string;
  author_name: string;
  created_at: Date | string;
  updated_at: Date | string;
  c_id: number | string | null;
  c_author: string | null;
  c_author_name: string | null;
  c_body: string | null;
  c_created_at: Date | string | null;
}

/** Build the store over one Sequelize instance; `afterWrite` runs after each committed change. */
export function createStore(
  sequelize: Sequelize,
  models: Models,
  afterWrite: () => void = () => {},
) {
  const { Note, Comment, Event } = models;

  const write = createWriter(sequelize, Event, afterWrite);

  const savedData = (note: {
    notekey: string;
    title: string;
    body: string;
    authorName: string;
    createdAt: Date;
    updatedAt: Date;
  }): NoteSavedData => ({
    key: note.notekey,
    title: note.title,
    body: note.body,
    authorName: note.authorName,
    createdAt: iso(note.createdAt),
    updatedAt: iso(note.updatedAt),
  });

  return {
    /**
     * The home list: ONE query on the (title, notekey) index. Hand-written SQL through
     * sequelize.query: the model query builder and row mapping cost more than the query itself on
     * this hot path (see bench/).
     */
    listNotes(): Promise<NoteTitle[]> {
      return sequelize.query<NoteTitle>(
        'SELECT `notekey`, `title` FROM `notes` ORDER BY `title`, `notekey`',
        { type: QueryTypes.SELECT, raw: true },
      );
    },

    /** A note and its comments in ONE query (LEFT JOIN), or null. */
    async getNote(key: string): Promise<NoteWithComments | null> {
      const rows = await sequelize.query<NoteRow>(
        'SELECT n.notekey, n.title, n.body, n.author, n.author_name, n.created_at, n.updated_at,' +
          ' c.id AS c_id, c.author AS c_author, c.author_name AS c_author_name, c.body AS c_body,' +
          ' c.created_at AS c_created_at' +
          ' FROM notes n LEFT JOIN comments c ON c.notekey = n.notekey' +
          ' WHERE n.notekey = :key ORDER BY c.id',
        { replacements: { key }, type: QueryTypes.SELECT, raw: true },
      );
      const first = rows[0];
      if (!first) return null;
      return {
        key: first.notekey,
        title: first.title,
        body: first.body,
        author: first.author,
        authorName: first.author_name,
        createdAt: iso(first.created_at),
        updatedAt: iso(first.updated_at),
        comments: rows
          .filter((row) => row.c_id !== null)
          .map((row) => ({
            key: first.notekey,
            id: Number(row.c_id),
            author: row.c_author ?? '',
            authorName: row.c_author_name ?? '',
            body: row.c_body ?? '',
            createdAt: iso(row.c_created_at ?? 0),
          })),
      };
    },

    /** Create a note; DuplicateKeyError when the key exists. */
    async createNote(input: NoteInput): Promise<void> {
      try {
        await write(async (t, emit) => {
          const note = await Note.create(
            {
              notekey: input.key,
              title: input.title,
              body: input.body,
              author: input.author,
              authorName: input.authorName,
            },
            { transaction: t },
          );
          emit({ kind: 'note-saved', notekey: input.key, data: savedData(note) });
        });
      } catch (error) {
        if (error instanceof UniqueConstraintError) throw new DuplicateKeyError(input.key);
        throw error;
      }
    },

    /** Change title and body; false when the note does not exist. */
    updateNote(input: Pick<NoteInput, 'key' | 'title' | 'body'>): Promise<boolean> {
      return write(async (t, emit) => {
        const note = await Note.findByPk(input.key, { transaction: t, lock: t.LOCK.UPDATE });
        if (!note) return false;
        await note.update({ title: input.title, body: input.body }, { transaction: t });
        emit({ kind: 'note-saved', notekey: input.key, data: savedData(note) });
        return true;
      });
    },

    /** Delete a note and its comments together; false when it does not exist. */
    destroyNote(key: string): Promise<boolean> {
      return write(async (t, emit) => {
        // Explicit, not only the FK cascade: SQLite enforces FKs only per connection setting.
        await Comment.destroy({ where: { notekey: key }, transaction: t });
        const deleted = await Note.destroy({ where: { notekey: key }, transaction: t });
        if (deleted === 0) return false;
        emit({ kind: 'note-deleted', notekey: key, data: { key } });
        return true;
      });
    },

    /** Add a comment; null when the note does not exist. */
    addComment(input: {
      key: string;
      author: string;
      authorName: string;
      body: string;
    }): Promise<CommentData | null> {
      return write(async (t, emit) => {
        const note = await Note.findByPk(input.key, { attributes: ['notekey'], transaction: t });
        if (!note) return null;
        const comment = await Comment.create(
          {
            notekey: input.key,
            author: input.author,
            authorName: input.authorName,
            body: input.body,
          },
          { transaction: t },
        );
        const data: CommentData = {
          key: input.key,
          id: comment.id,
          author: comment.author,
          authorName: comment.authorName,
          body: comment.body,
          createdAt: iso(comment.createdAt),
        };
        emit({ kind: 'comment-added', notekey: input.key, data });
        return data;
      });
    },

    /** Delete a comment written by `username`. */
    deleteComment(
      id: number,
      username: string,
    ): Promise<'missing' | 'forbidden' | { key: string }> {
      return write(async (t, emit) => {
        const comment = await Comment.findByPk(id, { transaction: t });
        if (!comment) return 'missing';
        if (comment.author !== username) return 'forbidden';
        await comment.destroy({ transaction: t });
        emit({
          kind: 'comment-deleted',
          notekey: comment.notekey,
          data: { key: comment.notekey, id },
        });
        return { key: comment.notekey };
      });
    },

    ...createEventStore(sequelize, models, write),
  };
}
