"""The local web app: the optimizer race on loss landscapes and the backprop stepper.

Layer ``app`` of chainrule (see DESIGN.md): a thin Dash layer over the library
(``landscape``, ``optim``, ``symbolic``, ``models``); it may import anything and
nothing imports it. Every asset is served from the package (no CDN), every
page's state lives in the browser (``dcc.Store`` and the URL), and every input
is validated on the server.

    from chainrule.app import create_app, serve
    serve(port=8050)                     # http://127.0.0.1:8050/
"""

from chainrule.app.server import PAGES, create_app, serve

__all__ = ["PAGES", "create_app", "serve"]
