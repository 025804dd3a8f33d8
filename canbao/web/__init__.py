"""The web: the village workers' page (入户调查网页) and the console with its JSON API, one FastAPI app.

* `app` builds the app (`create_app`): the workspace and the templates on `app.state`, the error pages (404 for
  anything outside a caller's scope, 403, 401 for the API), the response headers and the request log, and the
  routers.
* `deps` holds what the routes depend on: the workspace, clock and templates from `app.state`, and the
  worker a personal link opens (404 for anything that link may not see).
* `auth` holds who is asking in the console and the API: the session cookie, a bearer token, the CSRF checks.
* `routers/` holds the routes, one module per audience (`village` for the workers' links, `console` for the
  signed-in users' pages, `api` for /api/v1, `site` for the rest).
* `forms` reads a submitted form; `views` turns rows into what a template shows, masked; `pages` renders.

The web calls down only: flows (recording a visit), tasks (checks, masking, the workspace, tasks.access for users
and their scope) and models (reads). Nothing here imports the command line; the command line imports
`canbao.web.app`.
"""
