/** The full REST contract against a real server process on a real MariaDB. */
import { defineContractTests } from '../contract.ts';
import { mariadbTarget } from './mariadb-target.ts';

defineContractTests('MariaDB, real process', () => mariadbTarget());
