/**
 * Test entry: runs the CLI straight from src/ (Node 24 strips the types), so integration tests
 * exercise the current source without a build step.
 */
import { main } from '../../src/cli.ts';

process.exitCode = await main(process.argv.slice(2));
