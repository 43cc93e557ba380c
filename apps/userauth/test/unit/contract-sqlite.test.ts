/** The full REST contract against SQLite, in-process, no port. */
import { defineContractTests } from '../contract.ts';
import { defineProviderContractTests } from '../contract-providers.ts';
import { sqliteTarget } from './sqlite-target.ts';

defineContractTests('SQLite, in-process', sqliteTarget);
defineProviderContractTests('SQLite, in-process', sqliteTarget);
