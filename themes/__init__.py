"""Theme files shipped with nxedit (TOML). Package data; an __init__ lets importlib.resources list it."""
