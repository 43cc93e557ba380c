/**
 * Sequelize models, defined per Sequelize instance (two app instances in one test process must
 * not share model classes). The schema itself is owned by the migrations in ./migrations.ts.
 */
import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';

/** A note as stored. `notekey` is chosen by the author and appears in URLs. */
export interface NoteAttributes {
  notekey: string;
  title: string;
  body: string;
  author: string;
  authorName: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A comment on a note. */
export interface CommentAttributes {
  id: number;
  notekey: string;
  author: string;
  authorName: string;
  body: string;
  createdAt: Date;
}

/** One change, written in the same transaction as the change (see live/poller.ts). */
export interface EventAttributes {
  id: number;
  kind: string;
  notekey: string | null;
  data: string;
  createdAt: Date;
}

/** A logged-out session id, refused until the session would have expired anyway. */
export interface RevocationAttributes {
  sid: string;
  expiresAt: Date;
}

type NoteModel = Model<NoteAttributes, Optional<NoteAttributes, 'createdAt' | 'updatedAt'>> &
  NoteAttributes;
type CommentModel = Model<CommentAttributes, Optional<CommentAttributes, 'id' | 'createdAt'>> &
  CommentAttributes;
type EventModel = Model<EventAttributes, Optional<EventAttributes, 'id' | 'createdAt'>> &
  EventAttributes;
type RevocationModel = Model<RevocationAttributes> & RevocationAttributes;

/** The app's models bound to one Sequelize instance. */
export interface Models {
  Note: ModelStatic<NoteModel>;
  Comment: ModelStatic<CommentModel>;
  Event: ModelStatic<EventModel>;
  Revocation: ModelStatic<RevocationModel>;
}

/** Define the models on `sequelize` (idempotent per instance). */
export function defineModels(sequelize: Sequelize): Models {
  const Note = sequelize.define<NoteModel>(
    'Note',
    {
      notekey: { type: DataTypes.STRING(100), primaryKey: true },
      title: { type: DataTypes.STRING(200), allowNull: false },
      body: { type: DataTypes.TEXT, allowNull: false },
      author: { type: DataTypes.STRING(100), allowNull: false },
      authorName: { type: DataTypes.STRING(200), allowNull: false, field: 'author_name' },
      createdAt: { type: DataTypes.DATE, field: 'created_at' },
      updatedAt: { type: DataTypes.DATE, field: 'updated_at' },
    },
    { tableName: 'notes' },
  );
  const Comment = sequelize.define<CommentModel>(
    'Comment',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      notekey: { type: DataTypes.STRING(100), allowNull: false },
      author: { type: DataTypes.STRING(100), allowNull: false },
      authorName: { type: DataTypes.STRING(200), allowNull: false, field: 'author_name' },
      body: { type: DataTypes.TEXT, allowNull: false },
      createdAt: { type: DataTypes.DATE, field: 'created_at' },
    },
    { tableName: 'comments', updatedAt: false },
  );
  const Event = sequelize.define<EventModel>(
    'Event',
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      kind: { type: DataTypes.STRING(32), allowNull: false },
      notekey: { type: DataTypes.STRING(100), allowNull: true },
      data: { type: DataTypes.TEXT, allowNull: false },
      createdAt: { type: DataTypes.DATE, field: 'created_at' },
    },
    { tableName: 'events', updatedAt: false },
  );
  const Revocation = sequelize.define<RevocationModel>(
    'Revocation',
    {
      sid: { type: DataTypes.STRING(64), primaryKey: true },
      expiresAt: { type: DataTypes.DATE, allowNull: false, field: 'expires_at' },
    },
    { tableName: 'session_revocations', timestamps: false },
  );
  Note.hasMany(Comment, { foreignKey: 'notekey', as: 'comments', onDelete: 'CASCADE' });
  Comment.belongsTo(Note, { foreignKey: 'notekey' });
  return { Note, Comment, Event, Revocation };
}
