"""The built-in plugins of registry-core.

Each module is one plugin, registered by :func:`registry_core.manager.get_plugin_manager`
under its module name (so ``REGISTRY_CORE_DISABLE_PLUGINS=registry_core_plugins.mirrors``
blocks the mirror policy).
"""
