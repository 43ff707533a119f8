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
  { name: 'login', path: '/login', public: true },
  { name: 'home', path: '/' },
  { name: 'alarms', path: '/alarms' },
  { name: 'satisfaction', path: '/satisfaction' },
  { name: 'zones', path: '/zones' },
  { name: 'reports', path: '/reports', users: ['manager-420101', 'manager-420100', 'auditor'] },
  { name: 'audit', path: '/audit', users: ['auditor'] },
  // the password form: one user's generic cases; its own checks change the
  // spare user's password (pages/account.mjs)
  { name: 'account', path: '/account', users: ['manager-420100'] },
  { name: 'users', path: '/admin/users', users: ['admin'] },
  { name: 'branch-420101', path: '/branch/420101' },
  // the demo's county outside every city (待划分网格), as the warehouse has one
  { name: 'home-unassigned', path: '/?branch=429999', users: ['executive'] },
  { name: 'branch-unassigned', path: '/branch/429999', users: ['executive'] },
];

// URLs the branch manager of 420101 (江岸, a county of 武汉 420100) edits
// his way to: each must answer 403 and show neither the other branch's name
// nor any of its figures. While the page a URL belongs to (page: a path, or
// a prefix ending in /) is not in PAGES, or the entry has pending: 'reason',
// its 403 case is pending.
export const FOREIGN = [
  { path: '/branch/420102', page: '/branch/' },
  { path: '/?branch=420100', page: '/' },
  { path: '/zones?branch=420100', page: '/zones' },
  { path: '/reports?branch=420100', page: '/reports' },
];

// Answers every page may get without failing (>= 400, failed, or their
// console errors), with the reason: { url: /RegExp/, reason: '...' }. A note
// at the end of the run names those met.
export const KNOWN = [];
