/** The full REST contract against SQLite, in-process, no port. */
import { defineContractTests } from '../contract.ts';
import { sqliteTarget } from './sqlite-target.ts';

defineContractTests('SQLite, in-process', sqliteTarget);
