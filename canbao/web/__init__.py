"""The village workers' page (入户调查网页), a FastAPI app to which further routers (a console) can be added.

* `app` builds the app (`create_app`): the workspace and the templates on `app.state`, the error pages, the
  response headers and the request log, and the routers.
* `deps` holds what the routes depend on: the workspace, clock and templates from `app.state`, and the
  worker a personal link opens (404 for anything that link may not see).
* `routers/` holds the routes, one module per audience (`village` for the workers' links, `site` for the rest).
* `forms` reads a submitted form; `views` turns rows into what a template shows, masked; `pages` renders.

The page calls down only: flows (recording a visit), tasks (checks, masking, the workspace) and models (reads).
Nothing here imports the command line; the command line imports `canbao.web.app`.
"""
