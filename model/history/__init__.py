"""The edit history: events from buffer changes, the store, its settings and the ``nxedit history`` command."""
