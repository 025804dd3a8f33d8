"""Who may see and do what in the console and the API, and the users' accounts (the issue's "Users and roles").

Authorisation is by organisation unit, as in DHIS2: every read and write takes the user (a `Principal`) and is
cut to the user's scope; an object outside it is `OutOfScope` (the web answers 404, as for a page that does not
exist), a change the role may never make is `Forbidden` (403).

  roles       the four roles, a new user's checks (username, role, scope against the campaign), `Principal`
  scope       what a principal sees (owners, townships, villages) and may act for; status, progress, orgs cut to it
  passwords   argon2 hashing (argon2-cffi)
  accounts    the use cases: add, list, disable users, issue API tokens, log in (throttled), sessions, log out
  audit       the log of every change a user makes (who, when, what, channel)
  actions     the changes a user makes through the console or the API (a milestone done), checked and logged
"""
