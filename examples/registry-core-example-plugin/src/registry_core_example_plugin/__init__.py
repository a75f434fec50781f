"""An example registry-core plugin: registry credentials from environment variables.

The hook implementations live in :mod:`registry_core_example_plugin.plugin`, the module the
``registry_core`` entry point names.
"""
