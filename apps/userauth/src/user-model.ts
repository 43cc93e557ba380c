/**
 * The Sequelize model over the `users` table that migrations 001-003 shape. The model never
 * syncs the schema; migrations own it.
 */
import {
  DataTypes,
  Model,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { CreationOptional } from 'sequelize';

/** One row of `users`. */
export class UserRow extends Model<InferAttributes<UserRow>, InferCreationAttributes<UserRow>> {
  declare id: CreationOptional<number>;
  declare username: string;
  declare usernameKey: string;
  declare handleKey: CreationOptional<string | null>;
  declare passwordHash: string | null;
  declare provider: string;
  declare familyName: string;
  declare givenName: string;
  declare middleName: string;
  declare emails: string;
  declare photos: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** Bind the model to a connection; returns the model class to query with. */
export function defineUserModel(db: Sequelize): typeof UserRow {
  // A fresh subclass per connection, so several databases can live in one process (tests).
  class Row extends UserRow {}
  Row.init(
    {
      id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
      username: { type: DataTypes.STRING(191), allowNull: false },
      usernameKey: { type: DataTypes.STRING(191), allowNull: false, unique: 'users_username_key' },
      // Issue 22: the lower-case handle of a provider account (migration 003); null for local ones.
      handleKey: { type: DataTypes.STRING(64), allowNull: true },
      passwordHash: { type: DataTypes.STRING(255), allowNull: true },
      provider: { type: DataTypes.STRING(64), allowNull: false, defaultValue: '' },
      familyName: { type: DataTypes.STRING(255), allowNull: false, defaultValue: '' },
      givenName: { type: DataTypes.STRING(255), allowNull: false, defaultValue: '' },
      middleName: { type: DataTypes.STRING(255), allowNull: false, defaultValue: '' },
      emails: { type: DataTypes.TEXT, allowNull: false },
      photos: { type: DataTypes.TEXT, allowNull: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize: db, tableName: 'users', modelName: 'User', underscored: true },
  );
  return Row;
}
