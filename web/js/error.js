// An error page (403, 404, 400): the shell and its message, nothing to load.
import { start } from './common.js';

start(async () => {});
