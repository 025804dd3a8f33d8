"""The page's routes, one module per audience; `canbao.web.app` includes each router."""
