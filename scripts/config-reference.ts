// Prints the configuration reference table that README.md carries between its config-reference markers.
import { configReference } from '../src/config/reference.ts';

console.log(configReference());
