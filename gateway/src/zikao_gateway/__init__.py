"""Zikao's federation gateway: one request goes parse → plan → execute → shape.

Each stage imports only the stages and the data before it, never one after it:

- ``operation``: the client's operation, normalized (fragments inlined, `@skip`/`@include`
  decided), and ``walk`` over its AST. Read by every later stage.
- ``supergraph``, ``api_schema``: what the subgraphs resolve, and the schema clients see.
- ``plan``: the plan as data (``RootFetch``, ``EntityFetch``, ``Forward``, ``Plan``).
- ``routes``: the subgraphs an object can be sent to through `_entities` (key chains).
- ``planner`` → ``printing``: build a plan, then print each fetch's subgraph document.
- ``executor``: run a plan's fetches over ``subgraphs`` and merge their answers.
- ``shaping``: cut the merged answers to the client's selection, with null propagation.
- ``gateway`` ties the stages together (with ``cache``, and ``limits`` over ``sizing``'s one
  counting walk); ``schema``, ``app`` and ``settings`` serve it over HTTP.
- the edge, before any subgraph is asked: ``trusted`` (the manifest), ``ratelimit`` (Redis),
  ``edge`` (the checks and their codes), put together by ``hardening`` from the settings.
"""
