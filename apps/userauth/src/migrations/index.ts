/**
 * The ordered list of schema migrations. Listed statically (not globbed) so the same list works
 * from src/*.ts under Node's type stripping and from the compiled dist/*.js in the image.
 */
import type { QueryInterface } from 'sequelize';
import type { RunnableMigration } from 'umzug';
import { createUsers } from './001-create-users.ts';
import { usersUtf8mb4 } from './002-utf8mb4.ts';
import { providerIdentities } from './003-provider-identities.ts';

/** One migration; its context is Sequelize's QueryInterface. */
export type Migration = RunnableMigration<QueryInterface>;

/** Every migration, oldest first. Append only; never edit one that has shipped. */
export const migrations: Migration[] = [createUsers, usersUtf8mb4, providerIdentities];
