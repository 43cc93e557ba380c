/**
 * Migration 001: the users table. `username` keeps the spelling the user chose; `username_key`
 * is its lower-case form with the UNIQUE index, so "Alice" and "alice" cannot both exist no
 * matter the database's collation (SQLite compares case-sensitively, MariaDB usually not).
 */
import { DataTypes } from 'sequelize';
import type { Migration } from './index.ts';

/** Create `users` with a unique, normalised username key. */
export const createUsers: Migration = {
  name: '001-create-users',
  async up({ context: qi }) {
    await qi.createTable('users', {
      id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
      username: { type: DataTypes.STRING(64), allowNull: false },
      username_key: { type: DataTypes.STRING(64), allowNull: false },
      // NULL for accounts made by find-or-create without a password (e.g. OAuth logins).
      password_hash: { type: DataTypes.STRING(255), allowNull: true },
      provider: { type: DataTypes.STRING(64), allowNull: false, defaultValue: '' },
      family_name: { type: DataTypes.STRING(255), allowNull: false, defaultValue: '' },
      given_name: { type: DataTypes.STRING(255), allowNull: false, defaultValue: '' },
      middle_name: { type: DataTypes.STRING(255), allowNull: false, defaultValue: '' },
      // JSON arrays as text: portable between SQLite and MariaDB (whose JSON is LONGTEXT anyway).
      emails: { type: DataTypes.TEXT, allowNull: false },
      photos: { type: DataTypes.TEXT, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    await qi.addIndex('users', ['username_key'], { unique: true, name: 'users_username_key' });
  },
  async down({ context: qi }) {
    await qi.dropTable('users');
  },
};
