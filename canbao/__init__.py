"""The top floor, what people use: the `canbao` command (canbao.cli) and the web page (canbao.web). Both call
the same use cases in tasks/ and run the flows in flows/; nothing below imports this package."""
