"""Language servers: a client for the Language Server Protocol (pygls, lsprotocol), the
servers' table, and the conversions between their positions and edits and ours. No Textual."""
