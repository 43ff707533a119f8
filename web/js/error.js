// An error page (403, 404, 400): the shell and its message, nothing to load.
// The message is the page's notice, marked as an error so that it stays.
import { start } from './common.js';

start(async (main) => {
  const notice = main.querySelector('.notice');
  notice?.classList.add('error');
  notice?.setAttribute('role', 'alert');
});
