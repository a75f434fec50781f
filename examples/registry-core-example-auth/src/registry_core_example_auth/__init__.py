"""An example registry-core plugin package: a custom authentication scheme, ``Exchange``.

The handler is :class:`registry_core_example_auth.plugin.ExchangeHandler`; the hook
implementation the ``registry_core`` entry point names is in the same module.
"""
