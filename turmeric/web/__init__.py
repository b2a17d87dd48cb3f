"""Web continuations: an HTTP server whose handlers suspend to send a page.

Owns the web vocabulary Turmeric apps use (`defpage`, `send/suspend`,
`send/suspend/dispatch`, `send/back`, request accessors, responses, HTML as data),
continuation tokens (in the page, signed and compressed, or in the store behind a
128-bit id), the app key, and the Starlette/uvicorn server behind `turmeric serve`.
Sits above the loader, serialization and the store; nothing below imports it.

- `vocab.py`, `web.tm`: what an app sees
- `html.py`: `[:tag {:attr v} ...]` to escaped HTML; `response.py`: values to responses
- `tokens.py`: sealing, token shapes; `keys.py`: the app key
- `app.py`: one request, without HTTP (handler unit tests use it)
- `storage.py`: continuation rows in the store; `server.py`: HTTP (optional extra `web`)
"""
