// An error page (403, 404, 400): the shell and its message (an alert the
// server marked as an error, so that it stays), nothing to load.
import { start } from './common.js';

start(async () => {});
