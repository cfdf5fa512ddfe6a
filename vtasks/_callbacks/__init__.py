"""The machinery behind :mod:`vtasks.callbacks`, one job per module.

- :mod:`.inbound`: the caller's arguments, checked and normalized into an :class:`~.inbound.Inbound`
  (a bad one is a ``ConfigurationError`` before anything else);
- :mod:`.verify`: telling a push genuine: Vidu's HMAC signature, its ``Date`` window and nonce,
  and the URL token of the unsigned vendors;
- :mod:`.body`: the request body as a JSON object, and MiniMax's challenge echo.

What each vendor sends, and which check applies, are facts in the vendor's home module
(``ProviderFacts.callback``); the normalization of a pushed task is its adapter's ``parse_task``.
"""
