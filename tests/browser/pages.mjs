// The pages the browser tests visit (tests/browser/README.md). Adding a page
// is one line here; its own checks go in pages/NAME.mjs.
//
//   name     used in case and screenshot names (ROLE-NAME-WIDTH.png), and
//            pages/NAME.mjs, when it exists, holds the page's own checks
//   path     what is visited (a path of the site, with a query if need be)
//   public   the page needs no sign-in (visited signed out only)
//   users    the users who visit it (labels: executive, manager-420101,
//            manager-420100, auditor, admin); default: every user
//   allow    URL patterns (RegExp) whose >= 400 answers and console errors
//            are deliberate on this page
//   pending  { check: 'reason' }: checks known to fail today; they run and
//            are reported as pending, not counted as failures (a pending
//            check that passes is reported, so that it is taken off).
//            Checks: load, frame, axe, keyboard, screens, lang, signout
export const PAGES = [
  { name: 'login', path: '/login', public: true,
    pending: { lang: 'the sign-in page does not take ?lang yet (400 unknown_parameter)' } },
  { name: 'home', path: '/',
    pending: {
      frame: 'the placeholder home page has no nav in its header',
      lang: 'the placeholder home page does not take ?lang yet (400 unknown_parameter)',
    } },
  // { name: 'alarms', path: '/alarms' },
  // { name: 'satisfaction', path: '/satisfaction' },
  // { name: 'zones', path: '/zones' },
  // { name: 'branch-420101', path: '/branch/420101', users: ['executive', 'manager-420101', 'manager-420100', 'auditor', 'admin'] },
];

// URLs the branch manager of 420101 (江岸, a county of 武汉 420100) edits
// his way to: each must answer 403 and show neither the other branch's name
// nor any of its figures. While the page a URL belongs to is not in PAGES
// (a 404 today), or the page is but has pending.foreign, the case is pending.
export const FOREIGN = [
  { path: '/branch/420102', page: '/branch/' },
  { path: '/?branch=420100', page: '/', pending: 'the placeholder home page takes no branch parameter (400)' },
  { path: '/zones?branch=420100', page: '/zones' },
];

// Answers every page may get without failing, with the reason.
export const KNOWN = [
  { url: /\/favicon\.ico$/, reason: 'no /favicon.ico yet (404): Chromium asks for it on every page' },
];
